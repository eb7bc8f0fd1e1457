#pragma once
// The pharmacy call board (取药叫号, issue 13 item 3): what the call display shows, read from the
// HIS's pharmacy queue (HisDriver::pharmacyCalls) every [pharmacy] display_refresh_s on a worker
// thread of its own, and which calls to announce. The screen
// (screens/pharmacy_display/call_display_screen.hpp) draws from view() and, on each
// CallBoardProgress, takes the announcements that are due.
//
// A call is announced when it first appears as called (a new Task in-progress, or the same Task
// called again: times-called went up), and once more kRepeatAfter later (the issue: "repeated
// once"). Calls already on the board when the display starts are shown, not announced (a display
// restarted mid-morning does not call every number again). An HIS that stops answering keeps the
// last board on screen with "updating paused" and is asked again at the same interval.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/backend/his_driver.hpp"
#include "kiosk/core/clock.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

struct CallAnnouncement {
    std::string callNumber;
    std::string window;          ///< "3" (or the HIS's name of the window when it has no number)
    std::string maskedName;      ///< "张*三" (masked here: the display is public)
    int times = 1;               ///< 1: the first announcement, 2: the repeat
};

struct CallBoardView {
    uint64_t generation = 0;
    bool loaded = false;                        ///< at least one answer so far
    std::vector<backend::PharmacyCall> called;  ///< being called, the newest first
    std::vector<backend::PharmacyCall> waiting; ///< in order
    std::optional<Error> error;                 ///< the last poll failed (the board is the last good one)
    SteadyTime updatedAt{};                     ///< the last good answer (steady clock)
};

class CallBoard {
public:
    using Post = std::function<void(UiEvent)>;
    /// The repeat of an announcement comes this long after the first.
    static constexpr std::chrono::seconds kRepeatAfter{8};

    /// `his` may be null: view().error says "no [backend]" and nothing is polled.
    CallBoard(std::shared_ptr<backend::HisDriver> his, std::chrono::seconds refresh, Post post);
    ~CallBoard();  ///< stops the poller
    CallBoard(const CallBoard&) = delete;
    CallBoard& operator=(const CallBoard&) = delete;

    /// Starts polling now and every `refresh` (idempotent).
    void start();
    void stop();
    CallBoardView view() const;
    /// The announcements due at `now` (each returned once, the repeat kRepeatAfter after the first).
    std::vector<CallAnnouncement> takeDue(SteadyTime now);

private:
    struct Shared;
    void poll(Shared& shared) const;

    std::shared_ptr<backend::HisDriver> his_;
    std::chrono::seconds refresh_;
    Post post_;
    std::shared_ptr<Shared> shared_;
    std::jthread poller_;
};

}  // namespace kiosk::screens
