#include "kiosk/core/task_runner.hpp"

#include "kiosk/core/log.hpp"

namespace kiosk {

TaskRunner::TaskRunner(unsigned threads) {
    if (threads == 0) threads = 1;
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { workerLoop(); });
}

TaskRunner::~TaskRunner() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        tasks_.clear();
    }
    wake_.notify_all();
    workers_.clear();  // joins
}

void TaskRunner::post(std::function<void()> task) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        tasks_.push_back(std::move(task));
    }
    wake_.notify_one();
}

void TaskRunner::waitIdle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return tasks_.empty() && running_ == 0; });
}

void TaskRunner::workerLoop() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
            if (stopping_) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
            ++running_;
        }
        try {
            task();
        } catch (const std::exception& error) {
            // A task must report failures as values; an escaped exception is a programming error
            // that should not take the kiosk down.
            log::module("tasks")->error("background task threw: {}", error.what());
        }
        {
            std::lock_guard lock(mutex_);
            --running_;
            if (tasks_.empty() && running_ == 0) idle_.notify_all();
        }
    }
}

}  // namespace kiosk
