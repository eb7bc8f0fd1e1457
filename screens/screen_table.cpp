// The one table of screens (Flipper's *_scene_config.h, ImHex's views.cpp). Every screen of
// every mode is listed here; the app finds them by id.
#include "screens/attract_screen.hpp"
#include "screens/booking/booking_pay_screens.hpp"
#include "screens/booking/booking_screens.hpp"
#include "screens/cancel/cancel_screens.hpp"
#include "screens/checkin/checkin_screens.hpp"
#include "screens/diagnostics/backend_screen.hpp"
#include "screens/diagnostics/logs_screen.hpp"
#include "screens/diagnostics/payments_screen.hpp"
#include "screens/diagnostics_screen.hpp"
#include "screens/identify_screen.hpp"
#include "screens/menu_screen.hpp"
#include "screens/payment/payment_screens.hpp"
#include "screens/pharmacy_display/call_display_screen.hpp"
#include "screens/pickup/pickup_screens.hpp"
#include "screens/records/records_screens.hpp"
#include "screens/reports/reports_screens.hpp"
#include "screens/technician/pin_pad_screen.hpp"
#include "screens/triage/triage_screens.hpp"

namespace kiosk::screens {

std::vector<std::unique_ptr<Screen>> makeScreenTable() {
    std::vector<std::unique_ptr<Screen>> table;
    table.push_back(std::make_unique<AttractScreen>());
    table.push_back(std::make_unique<IdentifyScreen>());
    table.push_back(std::make_unique<MenuScreen>());
    table.push_back(std::make_unique<ServiceUnavailableScreen>());
    table.push_back(std::make_unique<DiagnosticsScreen>());
    table.push_back(std::make_unique<BackendScreen>());
    table.push_back(std::make_unique<PaymentsScreen>());
    table.push_back(std::make_unique<LogsScreen>());
    table.push_back(std::make_unique<PinPadScreen>());
    table.push_back(std::make_unique<PayChargesScreen>());
    table.push_back(std::make_unique<PaySplitScreen>());
    table.push_back(std::make_unique<PayChannelScreen>());
    table.push_back(std::make_unique<PayQrScreen>());
    table.push_back(std::make_unique<PayCardScreen>());
    table.push_back(std::make_unique<PayResultScreen>());
    table.push_back(std::make_unique<BookDepartmentsScreen>());
    table.push_back(std::make_unique<BookSearchScreen>());
    table.push_back(std::make_unique<BookDoctorsScreen>());
    table.push_back(std::make_unique<BookSlotsScreen>());
    table.push_back(std::make_unique<BookConfirmScreen>());
    table.push_back(std::make_unique<BookPayScreen>());
    table.push_back(std::make_unique<BookFeeScreen>());
    table.push_back(std::make_unique<BookSlipScreen>());
    table.push_back(std::make_unique<CancelScreen>());
    table.push_back(std::make_unique<CheckInScreen>());
    table.push_back(std::make_unique<CheckInQueueScreen>());
    table.push_back(std::make_unique<ReportsScreen>());
    table.push_back(std::make_unique<ReportDetailScreen>());
    table.push_back(std::make_unique<ReportSlipScreen>());
    table.push_back(std::make_unique<RecordsScreen>());
    table.push_back(std::make_unique<RecordsPaymentScreen>());
    table.push_back(std::make_unique<CallDisplayScreen>());
    table.push_back(std::make_unique<PickupScreen>());
    table.push_back(std::make_unique<PickupTicketScreen>());
    table.push_back(std::make_unique<PickupLockerScreen>());
    table.push_back(std::make_unique<PickupTcmScreen>());
    table.push_back(std::make_unique<TriageBodyScreen>());
    table.push_back(std::make_unique<TriageSymptomsScreen>());
    table.push_back(std::make_unique<TriageAdviceScreen>());
    table.push_back(std::make_unique<TriageEmergencyScreen>());
    return table;
}

std::string_view firstScreen(KioskMode mode) { return mode == KioskMode::pharmacy_display ? "pharmacy.display" : "attract"; }

}  // namespace kiosk::screens
