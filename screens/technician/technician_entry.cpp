#include "screens/technician/technician_entry.hpp"

#include "kiosk/core/log.hpp"

namespace kiosk::screens {

Result<std::unique_ptr<TechnicianEntry>> TechnicianEntry::open(const KioskConfig& config, Journal& journal, const Clock& clock) {
    if (!config.diagnostics.present) {
        log::module("technician")->info("no [diagnostics] section: technicians cannot enter from a patient mode");
        return std::unique_ptr<TechnicianEntry>();
    }
    TechnicianAccessSettings settings;
    settings.pinHash = config.diagnostics.pinHash;
    settings.technicianCards = config.diagnostics.technicianCards;
    settings.auditSalt = config.auditSalt;
    settings.kioskId = config.kioskId;
    auto access = TechnicianAccess::open(std::move(settings), journal, clock);
    if (!access) return std::unexpected(access.error());
    return std::unique_ptr<TechnicianEntry>(new TechnicianEntry(std::move(*access)));
}

ButtonRect TechnicianEntry::corner(float topBarHeight) {
    return ButtonRect{ImVec2(0, 0), ImVec2(kCornerWidth, topBarHeight)};
}

std::optional<std::string> TechnicianEntry::pointer(float x, float y, bool down, SteadyTime now, float topBarHeight,
                                                    bool sessionActive) {
    const ButtonRect area = corner(topBarHeight);
    const bool inCorner = down && x >= area.min.x && x < area.max.x && y >= area.min.y && y < area.max.y;
    if (!inCorner) {
        heldSince_.reset();
        fired_ = false;
        return std::nullopt;
    }
    if (!heldSince_) heldSince_ = now;
    if (fired_ || now - *heldSince_ < kHold) return std::nullopt;
    fired_ = true;
    if (sessionActive) {
        log::module("technician")->info("corner held during a patient session: technician access not opened");
        return std::nullopt;
    }
    access_.beginVisit("gesture");
    return std::string(kPinPadScreen);
}

std::optional<SteadyTime> TechnicianEntry::dueAt() const {
    if (!heldSince_ || fired_) return std::nullopt;
    return *heldSince_ + kHold;
}

}  // namespace kiosk::screens
