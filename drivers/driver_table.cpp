// The one table of device drivers (OpenSC's internal_card_drivers[], not linker-section
// self-registration). Add a row for each new driver; a site picks one with `driver = "…"`.
#include "drivers/common/registry.hpp"
#include "drivers/card_reader/pcsc/pcsc_driver.hpp"
#include "drivers/id_reader/ga450/ga450_driver.hpp"
#include "drivers/locker/lockboard/lockboard_driver.hpp"
#include "drivers/pos/mispos/mispos_driver.hpp"
#include "drivers/printer/cups/cups_driver.hpp"
#include "drivers/printer/escpos/escpos_driver.hpp"
#include "drivers/scanner/camera/camera_driver.hpp"
#include "drivers/scanner/hid/hid_driver.hpp"
#include "drivers/scanner/serial/serial_driver.hpp"
#include "drivers/sim/sim_devices.hpp"

namespace kiosk::drivers {

const std::vector<DriverEntry>& driverTable() {
    static const std::vector<DriverEntry> table = {
        {"sim", DeviceClass::card_reader, &sim::createSimCardReader, "simulated social-security card reader"},
        {"sim", DeviceClass::id_reader, &sim::createSimIdReader, "simulated ID-card reader"},
        {"pcsc", DeviceClass::card_reader, &pcsc::createPcscCardReader,
         "PC/SC contact card reader (pcscd): social-security cards"},
        {"ga450", DeviceClass::id_reader, &ga450::createGa450IdReader,
         "second-generation ID-card reader, GA 450 serial protocol"},
        {"sim", DeviceClass::scanner, &sim::createSimScanner, "simulated QR/barcode scanner"},
        {"camera", DeviceClass::scanner, &scanner::createCameraScanner, "camera scanner: V4L2 + ZXing-cpp (QR, barcodes)"},
        {"serial", DeviceClass::scanner, &scanner::createSerialScanner, "serial QR/barcode scanner (RS-232, USB-CDC)"},
        {"hid", DeviceClass::scanner, &scanner::createHidScanner, "keyboard-wedge QR/barcode scanner (evdev, grabbed)"},
        {"sim", DeviceClass::receipt_printer, &sim::createSimReceiptPrinter, "simulated receipt printer (text files)"},
        {"sim", DeviceClass::report_printer, &sim::createSimReportPrinter, "simulated A4 report printer"},
        {"escpos", DeviceClass::receipt_printer, &escpos::createEscposPrinter,
         "ESC/POS receipt printer over USB, TCP 9100, serial or a file (58/80 mm model table)"},
        {"cups", DeviceClass::report_printer, &cups::createCupsReportPrinter, "A4 report printer: a CUPS queue via libcups"},
        {"lockboard", DeviceClass::locker, &locker::createLockBoardDriver,
         "medicine lockers: RS-485 lock-control boards, 8A/80 or Modbus RTU frames (model table)"},
        {"mispos", DeviceClass::pos_terminal, &pos::createMisPosDriver,
         "UnionPay MIS-POS bank-card terminal: serial STX/ETX/LRC framing or a vendor library in a helper process "
         "(layout table)"},
    };
    return table;
}

}  // namespace kiosk::drivers
