// The kiosk program is a shell over the libraries (ImHex's main/): everything it does is in
// kiosk_cli, kiosk_screens, kiosk_drivers and kiosk_core, which the tests link against.
#include "kiosk/cli/commands.hpp"

int main(int argc, char** argv) { return kiosk::cli::runCli(argc, argv); }
