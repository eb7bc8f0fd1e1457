// The event queue, the task runner and the log's redaction, with real threads and a real file.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "kiosk/core/event_queue.hpp"
#include "kiosk/core/log.hpp"
#include "kiosk/core/task_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace kiosk {
namespace {

TEST(EventQueue, PostsFromManyThreadsArriveOnceInOrderPerThread) {
    EventQueue<std::pair<int, int>> queue;
    std::atomic<int> wakes{0};
    queue.setWaker([&] { ++wakes; });
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&queue, t] {
                for (int i = 0; i < 500; ++i) queue.post({t, i});
            });
        }
    }
    const auto events = queue.drain();
    ASSERT_EQ(events.size(), 2000U);
    EXPECT_EQ(wakes.load(), 2000);
    std::array<int, 4> next{};
    for (const auto& [thread, index] : events) {
        EXPECT_EQ(index, next[static_cast<size_t>(thread)]++) << "per-thread order kept";
    }
    EXPECT_TRUE(queue.empty());
    EXPECT_TRUE(queue.drain().empty());
}

TEST(TaskRunner, RunsEverythingAndSurvivesAThrowingTask) {
    std::atomic<int> done{0};
    TaskRunner runner(2);
    runner.post([] { throw std::runtime_error("boom"); });
    for (int i = 0; i < 100; ++i) runner.post([&] { ++done; });
    runner.waitIdle();
    EXPECT_EQ(done.load(), 100);
}

TEST(TaskRunner, DestructionDropsTasksNotStarted) {
    std::atomic<int> started{0};
    {
        TaskRunner runner(1);
        runner.post([&] {
            ++started;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        });
        for (int i = 0; i < 10; ++i) runner.post([&] { ++started; });
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_LT(started.load(), 11);
}

TEST(Log, FileLinesHaveModulePrefixAndNoIdOrCardNumbersInClear) {
    test::TempDir dir;
    log::Settings settings;
    settings.file = dir.path() / "logs" / "kiosk.log";
    settings.toStderr = false;
    settings.level = spdlog::level::info;
    log::configure(settings);
    log::module("card")->info("read card 6222021234567890123 of 11010519491231002X");
    log::flushAll();
    std::ifstream in(settings.file);
    const std::string content((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(content.find("[card] read card 6222***********0123 of 110***********002X"), std::string::npos) << content;
    EXPECT_EQ(content.find("11010519491231002X"), std::string::npos);
    log::configure(log::Settings{});
}

}  // namespace
}  // namespace kiosk
