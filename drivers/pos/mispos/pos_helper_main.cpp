// kiosk-pos-helper: hosts a vendor MIS-POS library for the mispos driver (transport "library"), so
// that a crash or hang of the library never takes the kiosk down. Started by the driver only:
//   kiosk-pos-helper --fd 3 --library /opt/ums/libposinf.so --symbol bankall --answer-capacity 148
// See drivers/pos/mispos/pos_helper.hpp for the wire format.
#include <CLI/CLI.hpp>

#include "drivers/pos/mispos/pos_helper.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Hosts a vendor MIS-POS library for the kiosk", "kiosk-pos-helper"};
    int fd = 3;
    std::string library;
    std::string symbol = "bankall";
    size_t capacity = 4096;
    app.add_option("--fd", fd, "Socket to the kiosk");
    app.add_option("--library", library, "Vendor library (.so)")->required();
    app.add_option("--symbol", symbol, "Entry point: int f(char *request, char *response)");
    app.add_option("--answer-capacity", capacity, "Answer width (the buffer gets 1024 bytes more)");
    CLI11_PARSE(app, argc, argv);
    return kiosk::drivers::pos::runPosHelper(fd, library, symbol, capacity);
}
