#pragma once
// One queue of typed events, filled by any thread (device threads, libcurl transfers, print jobs)
// and drained by the UI thread once per frame. Posting also wakes the UI loop through a callback
// (SDL_PushEvent in the app), so a blocked SDL_WaitEventTimeout returns at once.

#include <deque>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace kiosk {

template <class Event>
class EventQueue {
public:
    using Waker = std::function<void()>;

    /// Called (from the posting thread) after each post; must be thread-safe.
    void setWaker(Waker waker) {
        std::lock_guard lock(mutex_);
        waker_ = std::move(waker);
    }

    void post(Event event) {
        Waker waker;
        {
            std::lock_guard lock(mutex_);
            pending_.push_back(std::move(event));
            waker = waker_;
        }
        if (waker) waker();
    }

    /// Takes every pending event, oldest first. UI thread only.
    std::vector<Event> drain() {
        std::lock_guard lock(mutex_);
        std::vector<Event> out(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
        pending_.clear();
        return out;
    }

    bool empty() const {
        std::lock_guard lock(mutex_);
        return pending_.empty();
    }

private:
    mutable std::mutex mutex_;
    std::deque<Event> pending_;
    Waker waker_;
};

}  // namespace kiosk
