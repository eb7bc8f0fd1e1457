// hospital-sim --listen 127.0.0.1:PORT --data DIR [--people FILE] [--tls-cert F --tls-key F
//              [--client-ca F]] [--named-operations served|404|501] [policy options]
// Policy options (hospital rules, sim/hospital/README.md): --hold-minutes, --no-show-limit,
// --no-show-window-days, --block-days, --check-in-open-minutes, --check-in-close-minutes,
// --late-policy queue-end|rebook, --bookings-per-department-per-day, --cancel-cutoff-minutes,
// --consult-minutes, --fee-chief/--fee-associate/--fee-attending/--fee-general, --online-share.
// Creates and seeds the SQLite database in DIR when missing, keeps it otherwise, prints
// "hospital-sim listening on http(s)://HOST:PORT" on stdout once it accepts connections (tests
// pass a free port below the ephemeral range and wait for the line; port 0 lets the kernel pick,
// an ephemeral one), and exits with "cannot listen on HOST:PORT" when the port is taken, which
// tests/backend/sim_process.hpp relies on to try the next port. Serves until SIGINT/SIGTERM.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <thread>

#include "kiosk/core/config.hpp"
#include "kiosk/core/log.hpp"
#include "sim/hospital/hospital_sim.hpp"

int main(int argc, char** argv) {
    kiosk::log::configure(kiosk::log::Settings{});
    CLI::App app{"hospital-sim: the Yizhan hospital-in-a-box (FHIR R4 HIS, e-health card, insurance, payment gateway)"};
    std::string listen = "127.0.0.1:18080";
    kiosk::sim::HospitalSimOptions options;
    options.peopleFile = kiosk::defaultAssetsDir() / "sim" / "people.json";
    app.add_option("--listen", listen, "HOST:PORT to listen on (PORT 0 = any free port)");
    app.add_option("--data", options.dataDir, "Folder of the SQLite database and report PDFs")->required();
    app.add_option("--people", options.peopleFile, "People to seed (assets/sim/people.json)");
    app.add_option("--threads", options.threads, "Worker threads (one per kept-alive connection)")->check(CLI::Range(2, 1024));
    app.add_option("--online-share", options.policy.onlineShare, "Share of slots released for online/kiosk booking")->check(CLI::Range(0.0, 1.0));
    app.add_option("--no-show-limit", options.policy.noShowLimit, "Missed appointments that block booking")->check(CLI::Range(1, 100));
    app.add_option("--no-show-window-days", options.policy.noShowWindowDays, "Window counted for missed appointments")->check(CLI::Range(1, 3650));
    app.add_option("--block-days", options.policy.blockDays, "Days booking stays blocked")->check(CLI::Range(1, 3650));
    app.add_option("--hold-minutes", options.policy.holdMinutes, "Minutes a held slot waits for payment")->check(CLI::Range(1, 120));
    app.add_option("--check-in-open-minutes", options.policy.checkInOpenMinutes, "Check-in opens this long before the appointment")
        ->check(CLI::Range(0, 24 * 60));
    app.add_option("--check-in-close-minutes", options.policy.checkInCloseMinutes, "Check-in closes this long after the appointment's end")
        ->check(CLI::Range(0, 24 * 60));
    std::string late = "queue-end";
    app.add_option("--late-policy", late, "After the window: queue-end (checked in last) or rebook (refused)")
        ->check(CLI::IsMember({"queue-end", "rebook"}));
    app.add_option("--bookings-per-department-per-day", options.policy.bookingsPerDepartmentPerDay,
                   "Held/booked appointments one patient may have in one department on one day")
        ->check(CLI::Range(1, 100));
    app.add_option("--cancel-cutoff-minutes", options.policy.cancelCutoffMinutes, "A booking may be cancelled until this long before it")
        ->check(CLI::Range(0, 7 * 24 * 60));
    app.add_option("--consult-minutes", options.policy.consultMinutes, "A doctor calls the next patient every so often (0: admin call only)")
        ->check(CLI::Range(0, 240));
    app.add_option("--fee-chief", options.policy.fees.chief, "Registration fee of a 主任医师, fen")->check(CLI::Range(0, 1000000));
    app.add_option("--fee-associate", options.policy.fees.associate, "Registration fee of a 副主任医师, fen")->check(CLI::Range(0, 1000000));
    app.add_option("--fee-attending", options.policy.fees.attending, "Registration fee of a 主治医师, fen")->check(CLI::Range(0, 1000000));
    app.add_option("--fee-general", options.policy.fees.general, "Registration fee of the 普通门诊 (any doctor), fen")->check(CLI::Range(0, 1000000));
    app.add_option("--tls-cert", options.tlsCert, "Server certificate (PEM) for HTTPS");
    app.add_option("--tls-key", options.tlsKey, "Server private key (PEM)");
    app.add_option("--client-ca", options.clientCa, "Require client certificates signed by this CA (mutual TLS)");
    std::string operations = "served";
    app.add_option("--named-operations", operations,
                   "served, or absent as on a plain R4 server: 404 (unknown path) or 501 (Not Implemented)")
        ->check(CLI::IsMember({"served", "404", "501"}));
    CLI11_PARSE(app, argc, argv);
    options.policy.lateArrival = late == "rebook" ? kiosk::sim::LateArrival::rebook : kiosk::sim::LateArrival::queue_end;
    options.namedOperations = operations == "404"   ? kiosk::sim::NamedOperations::absent_404
                              : operations == "501" ? kiosk::sim::NamedOperations::not_implemented_501
                                                    : kiosk::sim::NamedOperations::served;
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "hospital-sim: --listen must be HOST:PORT\n";
        return 2;
    }
    options.host = listen.substr(0, colon);
    options.port = std::atoi(listen.c_str() + colon + 1);

    // SIGINT/SIGTERM are waited for by a dedicated thread (sigwait), so no handler state is needed.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    auto sim = kiosk::sim::HospitalSim::create(options);
    if (!sim) {
        std::cerr << "hospital-sim: " << sim.error().describe() << '\n';
        return 1;
    }
    auto port = (*sim)->bind();
    if (!port) {
        std::cerr << "hospital-sim: " << port.error().describe() << '\n';
        return 1;
    }
    std::thread stopper([&] {
        int received = 0;
        sigwait(&signals, &received);
        (*sim)->stop();
    });
    stopper.detach();
    std::cout << "hospital-sim listening on " << (options.tlsCert.empty() ? "http" : "https") << "://" << options.host << ':'
              << *port << std::endl;
    kiosk::log::module("hospital-sim")->info("listening on {}:{}", options.host, *port);
    (*sim)->run();
    return 0;
}
