#pragma once
// A small pool of worker threads for background work (backend calls, print jobs, font atlas
// extension). Work must not touch the UI: it posts its result to the EventQueue.
// Destruction finishes the running tasks and drops the ones not started.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kiosk {

class TaskRunner {
public:
    explicit TaskRunner(unsigned threads = 2);
    ~TaskRunner();
    TaskRunner(const TaskRunner&) = delete;
    TaskRunner& operator=(const TaskRunner&) = delete;

    void post(std::function<void()> task);
    /// Blocks until every posted task has finished (tests, orderly shutdown).
    void waitIdle();

private:
    void workerLoop();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<std::function<void()>> tasks_;
    unsigned running_ = 0;
    bool stopping_ = false;
    std::vector<std::jthread> workers_;
};

}  // namespace kiosk
