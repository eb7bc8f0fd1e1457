#pragma once
// The technician's logs tab (issue 14 item 5): the kiosk log's last lines (already redacted),
// newest first, paged; filtered by level (all, warnings and worse, errors) and by module (each
// module seen in turn). Read on entry and on "refresh", never while drawing.

#include "screens/diagnostics/log_tail.hpp"
#include "screens/screen.hpp"

namespace kiosk::screens {

class LogsScreen final : public Screen {
public:
    std::string_view id() const override { return "technician.logs"; }
    void onEnter(ScreenContext& context) override;
    void onExit(ScreenContext& context) override;
    void draw(const ScreenContext& context, Ui& ui) const override;
    Transition onEvent(ScreenContext& context, const UiEvent& event) override;
    std::optional<std::chrono::seconds> idleTimeout() const override { return std::chrono::seconds(300); }

    static constexpr size_t kMaxLines = 500;

private:
    void reload(const ScreenContext& context);
    void refilter();

    LogTail tail_;
    std::vector<std::string> modules_;      ///< every module in the tail, sorted
    std::vector<const LogEntry*> shown_;    ///< tail_ entries passing the filters
    int minSeverity_ = 0;                   ///< 0 all, 2 warnings and worse, 3 errors
    std::string module_;                    ///< empty: every module
    std::string leaveReason_ = "timed_out";
};

}  // namespace kiosk::screens
