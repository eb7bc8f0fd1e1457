#include "kiosk/backend/call_recorder.hpp"

#include <algorithm>
#include <cmath>

namespace kiosk::backend {

void CallRecorder::record(std::chrono::steady_clock::duration took, bool answered) {
    Observer observer;
    {
        std::lock_guard lock(mutex_);
        ring_[next_] = Call{std::chrono::duration_cast<std::chrono::milliseconds>(took), answered};
        next_ = (next_ + 1) % kWindow;
        count_ = std::min(count_ + 1, kWindow);
        lastAnswered_ = answered;
        lastAt_ = std::chrono::system_clock::now();
        observer = observer_;
    }
    // Outside the lock: the metrics registry takes its own.
    if (observer) observer(std::chrono::duration<double>(took).count(), answered);
}

std::chrono::milliseconds CallRecorder::percentile(const std::vector<std::chrono::milliseconds>& sorted, int percent) {
    if (sorted.empty()) return std::chrono::milliseconds(0);
    const auto rank = static_cast<size_t>(std::ceil(static_cast<double>(percent) / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

CallRecorder::Summary CallRecorder::summary() const {
    std::vector<std::chrono::milliseconds> durations;
    Summary summary;
    {
        std::lock_guard lock(mutex_);
        durations.reserve(count_);
        for (size_t i = 0; i < count_; ++i) {
            durations.push_back(ring_[i].took);
            if (!ring_[i].answered) ++summary.failed;
        }
        summary.lastAnswered = lastAnswered_;
        summary.lastAt = lastAt_;
    }
    std::sort(durations.begin(), durations.end());
    summary.calls = durations.size();
    summary.p50 = percentile(durations, 50);
    summary.p99 = percentile(durations, 99);
    return summary;
}

void CallRecorder::setObserver(Observer observer) {
    std::lock_guard lock(mutex_);
    observer_ = std::move(observer);
}

}  // namespace kiosk::backend
