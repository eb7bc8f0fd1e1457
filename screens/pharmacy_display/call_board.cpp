#include "screens/pharmacy_display/call_board.hpp"

#include <condition_variable>
#include <map>

#include "kiosk/core/log.hpp"
#include "kiosk/core/mask.hpp"

namespace kiosk::screens {

namespace {

auto logger() { return log::module("call_board"); }

/// An announcement to make: the first at the next takeDue(), its repeat kRepeatAfter after the
/// first was taken (both on the caller's clock: the UI's, a manual one in tests).
struct Pending {
    CallAnnouncement announcement;
    std::optional<SteadyTime> due;
};

}  // namespace

struct CallBoard::Shared {
    mutable std::mutex mutex;
    std::condition_variable_any wake;
    CallBoardView view;
    /// "task|times-called" of every call seen as called, so each is announced once.
    std::set<std::string> announced;
    std::vector<Pending> pending;
    bool firstAnswer = true;
};

CallBoard::CallBoard(std::shared_ptr<backend::HisDriver> his, std::chrono::seconds refresh, Post post)
    : his_(std::move(his)), refresh_(refresh), post_(std::move(post)), shared_(std::make_shared<Shared>()) {}

CallBoard::~CallBoard() { stop(); }

void CallBoard::start() {
    if (poller_.joinable()) return;
    if (!his_) {
        std::lock_guard lock(shared_->mutex);
        shared_->view.error = Error(Errc::unsupported, "no [backend]: the call board has nothing to show", "display.error.no_backend");
        return;
    }
    poller_ = std::jthread([this, shared = shared_](std::stop_token stop) {
        while (!stop.stop_requested()) {
            poll(*shared);
            std::unique_lock lock(shared->mutex);
            shared->wake.wait_for(lock, stop, refresh_, [] { return false; });
        }
    });
}

void CallBoard::stop() {
    if (!poller_.joinable()) return;
    poller_.request_stop();
    shared_->wake.notify_all();
    poller_.join();
}

CallBoardView CallBoard::view() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->view;
}

std::vector<CallAnnouncement> CallBoard::takeDue(SteadyTime now) {
    std::lock_guard lock(shared_->mutex);
    std::vector<CallAnnouncement> due;
    std::vector<Pending> later;
    for (auto& p : shared_->pending) {
        if (p.due && *p.due > now) {
            later.push_back(std::move(p));
            continue;
        }
        due.push_back(p.announcement);
        if (p.announcement.times == 1) {
            CallAnnouncement repeat = p.announcement;
            repeat.times = 2;
            later.push_back({repeat, now + kRepeatAfter});
        }
    }
    shared_->pending = std::move(later);
    return due;
}

void CallBoard::poll(Shared& shared) const {
    auto calls = his_->pharmacyCalls();
    const SteadyTime now = std::chrono::steady_clock::now();
    uint64_t generation = 0;
    {
        std::lock_guard lock(shared.mutex);
        generation = ++shared.view.generation;
        if (!calls) {
            if (!shared.view.error) logger()->warn("pharmacy call board not updated: {}", calls.error().describe());
            shared.view.error = calls.error();
        } else {
            if (shared.view.error) logger()->info("pharmacy call board answering again");
            shared.view.error.reset();
            shared.view.loaded = true;
            shared.view.updatedAt = now;
            shared.view.called.clear();
            shared.view.waiting.clear();
            for (const auto& call : *calls) (call.called ? shared.view.called : shared.view.waiting).push_back(call);
            for (const auto& call : shared.view.called) {
                const std::string key = call.taskId + "|" + std::to_string(call.timesCalled);
                if (!shared.announced.insert(key).second || shared.firstAnswer) continue;
                CallAnnouncement announcement{call.callNumber,
                                              call.windowNumber > 0 ? std::to_string(call.windowNumber) : call.window,
                                              maskPersonalData(call.patientName, PersonalField::name), 1};
                logger()->info("announcing {} at window {}", call.callNumber, announcement.window);
                shared.pending.push_back({announcement, std::nullopt});
            }
            shared.firstAnswer = false;
        }
    }
    post_(CallBoardProgress{generation});
}

}  // namespace kiosk::screens
