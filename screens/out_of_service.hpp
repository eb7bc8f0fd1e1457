#pragma once
// The out-of-service screen (issue 17 item 4): what the kiosk shows, instead of a black screen or
// a restart loop, when `kiosk run` cannot start — a bad config, a device the site made mandatory
// missing, a full or read-only state folder, a journal from a newer version. Both languages at
// once (the patient in front of it may read either), the kiosk's number and the service desk's
// phone, and a fault code for the technician. Nothing to press.
//
// It is deliberately apart from App: it needs no config that loaded, no devices, no journal, no
// backend — only SDL, Dear ImGui and a font. Texts come from assets/lang/*.outofservice.json;
// when even those cannot be read, the same words compiled in are used (a broken assets folder
// must not blank the screen either).

#include <SDL.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kiosk/core/error.hpp"

struct ImGuiContext;

namespace kiosk::screens {

struct OutOfServiceInfo {
    std::string kioskId;           ///< [kiosk] id, or the host name when the config is unreadable
    std::string serviceDeskPhone;  ///< [kiosk] service_desk_phone ("" = the line is left out)
    std::string reason;            ///< the fault code shown to staff, e.g. "config", "device"
    std::filesystem::path assetsDir;
    std::filesystem::path fontFile = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    int fontIndex = 2;  ///< face 2 of Noto Sans CJK's collection is SC
    int width = 1080;   ///< the kiosk's logical size ([ui] orientation)
    int height = 1920;
};

class OutOfServiceScreen {
public:
    /// Opens the window (offscreen when `headless`) and builds the font for the texts.
    static Result<std::unique_ptr<OutOfServiceScreen>> open(OutOfServiceInfo info, bool headless, bool fullscreen);
    ~OutOfServiceScreen();
    OutOfServiceScreen(const OutOfServiceScreen&) = delete;
    OutOfServiceScreen& operator=(const OutOfServiceScreen&) = delete;

    /// Draws the screen once.
    void frame();
    /// Shows the screen until SDL_QUIT (SDL turns SIGTERM and SIGINT into it), or after
    /// `maxFrames` frames when not 0. Redraws on window changes and every half minute only.
    /// True when it was asked to quit (a stop), false when the frame limit ended it.
    bool run(uint64_t maxFrames = 0);
    /// Draws a frame and writes it as a PNG (headless: the window is the kiosk's size).
    Result<void> screenshot(const std::filesystem::path& png);
    /// Every text of the last frame, top to bottom, as drawn (tests read them).
    const std::vector<std::string>& lines() const { return lines_; }

private:
    explicit OutOfServiceScreen(OutOfServiceInfo info) : info_(std::move(info)) {}
    Result<void> openWindow(bool headless, bool fullscreen);
    void loadTexts();

    OutOfServiceInfo info_;
    /// One text of the screen, drawn centred and wrapped.
    struct Paragraph {
        enum class Kind { title, body, faint };
        Kind kind = Kind::body;
        bool startsGroup = false;  ///< a wider gap before it
        std::string text;
    };
    /// In order: title zh, title en, what to do zh/en, the service desk's phone zh/en (when
    /// configured), the kiosk's number, the fault code.
    std::vector<Paragraph> paragraphs_;
    std::vector<std::string> lines_;
    SDL_Window* window_ = nullptr;
    SDL_Renderer* renderer_ = nullptr;
    ImGuiContext* imgui_ = nullptr;
    bool headless_ = false;
};

}  // namespace kiosk::screens
