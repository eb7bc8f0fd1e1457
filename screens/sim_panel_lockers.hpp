#pragma once
// The presenter's locker controls on the F2 panel (issue 13 item 6, demo only): in pharmacy mode,
// with a locker board and [simulator] lock_board_control (scripts/run-demo.sh writes both),
// "Jam locker N" / "Free locker N" for a locker the presenter picks. The requests go over
// kiosk-vlockboard's control socket (drivers/sim/lock_board_control.hpp); the kiosk's own driver
// keeps talking to the board over its pty, so a jammed door is met exactly as a real one: one
// pulse, no door, "please go to window N", the locker marked faulty.

#include <memory>
#include <string>
#include <vector>

#include "drivers/common/registry.hpp"
#include "drivers/sim/lock_board_control.hpp"
#include "kiosk/core/config.hpp"
#include "kiosk/core/i18n.hpp"
#include "screens/ui_event.hpp"

namespace kiosk::screens {

class SimPanelLockers {
public:
    /// Null when this kiosk has no such controls: another mode, no locker board, no control
    /// socket configured. Asks the board once which doors are jammed (those of --jam).
    static std::unique_ptr<SimPanelLockers> make(const KioskConfig& config, const drivers::DeviceRegistry& devices);

    /// The locker device's name: SimulatorAction{device(), "jam" | "unjam", "N"} is ours.
    const std::string& device() const { return device_; }
    /// Draws the panel's row (plain ImGui, inside the panel's window) and queues the
    /// presenter's request.
    void draw(const Translator& text, std::vector<UiEvent>& events);
    /// Sends "jam" / "unjam" N to the board (on the UI thread: the board is a local process that
    /// answers at once; LockBoardControl bounds the wait if it hangs).
    Result<void> act(std::string_view action, std::string_view argument);

    int chosen() const { return chosen_; }
    const std::vector<int>& jammed() const { return jammed_; }

private:
    SimPanelLockers(std::string device, int lockerCount, drivers::sim::LockBoardControl control);

    std::string device_;
    int lockerCount_;
    drivers::sim::LockBoardControl control_;
    int chosen_ = 1;
    std::vector<int> jammed_;  ///< as the board last said
    std::string problem_;      ///< the last request's error, shown until one succeeds
};

}  // namespace kiosk::screens
