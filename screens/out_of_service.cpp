#include "screens/out_of_service.hpp"

#include <fmt/format.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>

#include <algorithm>
#include <filesystem>

#include "kiosk/core/i18n.hpp"
#include "screens/png_file.hpp"

namespace kiosk::screens {

namespace {

// A warm page, no primary blue: nothing here looks like a button, and a technician walking past
// tells it from the normal screens at a glance (the test's screen_png_check reads these colours).
constexpr ImU32 kPage = IM_COL32(0xFF, 0xF4, 0xE0, 0xFF);
constexpr ImU32 kStripe = IM_COL32(0xB4, 0x53, 0x09, 0xFF);
constexpr ImU32 kTitle = IM_COL32(0x92, 0x40, 0x0E, 0xFF);
constexpr ImU32 kText = IM_COL32(0x1F, 0x29, 0x37, 0xFF);
constexpr ImU32 kFaint = IM_COL32(0x4B, 0x55, 0x63, 0xFF);

/// The words compiled in, used only when assets/lang cannot be read: the same as
/// assets/lang/{zh_CN,en_US}.outofservice.json.
struct BuiltInText {
    const char* key;
    const char* zh;
    const char* en;
};
constexpr BuiltInText kBuiltIn[] = {
    {"out_of_service.title", "暂停服务", "Out of service"},
    {"out_of_service.body", "本机暂时无法使用，请到人工窗口办理。",
     "This kiosk cannot be used at the moment. Please go to a staffed counter."},
    {"out_of_service.call", "如需帮助，请致电服务台：{phone}", "For help, call the service desk: {phone}"},
    {"out_of_service.kiosk", "终端编号 {id}", "Kiosk number {id}"},
    {"out_of_service.fault", "故障代码：{reason}", "Fault code: {reason}"},
};

constexpr std::chrono::seconds kRedrawEvery{30};

}  // namespace

Result<std::unique_ptr<OutOfServiceScreen>> OutOfServiceScreen::open(OutOfServiceInfo info, bool headless,
                                                                     bool fullscreen) {
    if (ImGui::GetCurrentContext() != nullptr) {
        return fail(Errc::invalid_argument,
                    "the out-of-service screen needs the process's ImGui context (an App is still open)");
    }
    std::unique_ptr<OutOfServiceScreen> screen(new OutOfServiceScreen(std::move(info)));
    screen->loadTexts();
    if (auto opened = screen->openWindow(headless, fullscreen); !opened) return std::unexpected(opened.error());
    return screen;
}

void OutOfServiceScreen::loadTexts() {
    auto catalog = Catalog::load(info_.assetsDir / "lang");
    auto text = [&](const BuiltInText& entry, bool chinese) -> std::string {
        const char* language = chinese ? "zh_CN" : "en_US";
        if (catalog) {
            if (const std::string* found = catalog->find(language, entry.key)) return *found;
        }
        return chinese ? entry.zh : entry.en;
    };
    const BuiltInText& title = kBuiltIn[0];
    const BuiltInText& body = kBuiltIn[1];
    const BuiltInText& call = kBuiltIn[2];
    const BuiltInText& kiosk = kBuiltIn[3];
    const BuiltInText& fault = kBuiltIn[4];
    using Kind = Paragraph::Kind;
    paragraphs_ = {{Kind::title, false, text(title, true)},
                   {Kind::title, false, text(title, false)},
                   {Kind::body, true, text(body, true)},
                   {Kind::body, false, text(body, false)}};
    if (!info_.serviceDeskPhone.empty()) {
        paragraphs_.push_back({Kind::body, true, substitute(text(call, true), {{"phone", info_.serviceDeskPhone}})});
        paragraphs_.push_back({Kind::body, false, substitute(text(call, false), {{"phone", info_.serviceDeskPhone}})});
    }
    paragraphs_.push_back({Kind::body, true, substitute(text(kiosk, true), {{"id", info_.kioskId}})});
    paragraphs_.push_back({Kind::body, false, substitute(text(kiosk, false), {{"id", info_.kioskId}})});
    paragraphs_.push_back({Kind::faint, true,
                           substitute(text(fault, true), {{"reason", info_.reason}}) + " · " +
                               substitute(text(fault, false), {{"reason", info_.reason}})});
}

Result<void> OutOfServiceScreen::openWindow(bool headless, bool fullscreen) {
    headless_ = headless;
    if (headless) {
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    }
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        return fail(Errc::device_not_ready, fmt::format("cannot start SDL video: {}", SDL_GetError()));
    }
    int windowWidth = info_.width;
    int windowHeight = info_.height;
    Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
    if (fullscreen) {
        // As App::openWindow: the screen's size from the start, the frame scaled to it.
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
        SDL_DisplayMode desktop;
        if (SDL_GetDesktopDisplayMode(0, &desktop) == 0 && desktop.w > 0 && desktop.h > 0) {
            windowWidth = desktop.w;
            windowHeight = desktop.h;
        }
    }
    window_ = SDL_CreateWindow("Yizhan kiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, windowWidth,
                               windowHeight, flags);
    if (!window_) return fail(Errc::device_not_ready, fmt::format("cannot open the window: {}", SDL_GetError()));
    renderer_ = SDL_CreateRenderer(window_, -1, headless ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED);
    if (!renderer_) renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
    if (!renderer_) return fail(Errc::device_not_ready, fmt::format("cannot create a renderer: {}", SDL_GetError()));
    SDL_RenderSetLogicalSize(renderer_, info_.width, info_.height);

    imgui_ = ImGui::CreateContext();
    ImGui::SetCurrentContext(imgui_);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.LogFilename = nullptr;
    ImGui_ImplSDL2_InitForSDLRenderer(window_);
    ImGui_ImplSDLRenderer_Init(renderer_);

    // Only the glyphs of these texts: a few dozen, built in milliseconds. Without the CJK font
    // (a broken install) ImGui's own font still shows the English and the numbers.
    ImFontGlyphRangesBuilder builder;
    for (const Paragraph& paragraph : paragraphs_) builder.AddText(paragraph.text.c_str());
    ImVector<ImWchar> ranges;
    builder.BuildRanges(&ranges);
    const float bodyPx = static_cast<float>(std::min(info_.width, info_.height)) / 22.0F;
    std::error_code ec;
    if (std::filesystem::exists(info_.fontFile, ec)) {
        ImFontConfig config;
        config.FontNo = info_.fontIndex;
        config.OversampleH = 1;
        io.Fonts->AddFontFromFileTTF(info_.fontFile.c_str(), bodyPx, &config, ranges.Data);
        io.Fonts->AddFontFromFileTTF(info_.fontFile.c_str(), bodyPx * 1.8F, &config, ranges.Data);
    }
    if (io.Fonts->Fonts.empty()) {
        ImFontConfig config;
        config.SizePixels = bodyPx;
        io.Fonts->AddFontDefault(&config);
        config.SizePixels = bodyPx * 1.8F;
        io.Fonts->AddFontDefault(&config);
    }
    io.Fonts->Build();
    return {};
}

OutOfServiceScreen::~OutOfServiceScreen() {
    if (imgui_) {
        ImGui_ImplSDLRenderer_Shutdown();
        ImGui_ImplSDL2_Shutdown();
        ImGui::DestroyContext(imgui_);
    }
    if (renderer_) SDL_DestroyRenderer(renderer_);
    if (window_) SDL_DestroyWindow(window_);
    SDL_Quit();
}

void OutOfServiceScreen::frame() {
    ImGui_ImplSDLRenderer_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(static_cast<float>(info_.width), static_cast<float>(info_.height));
    io.DisplayFramebufferScale = ImVec2(1, 1);
    ImGui::NewFrame();
    ImDrawList* draw = ImGui::GetBackgroundDrawList();
    const float width = io.DisplaySize.x;
    const float height = io.DisplaySize.y;
    draw->AddRectFilled(ImVec2(0, 0), ImVec2(width, height), kPage);
    const float stripe = height / 60.0F;
    draw->AddRectFilled(ImVec2(0, 0), ImVec2(width, stripe), kStripe);
    draw->AddRectFilled(ImVec2(0, height - stripe), ImVec2(width, height), kStripe);

    ImFont* body = io.Fonts->Fonts[0];
    ImFont* title = io.Fonts->Fonts[1];
    const float margin = width * 0.08F;
    const float wrapWidth = width - 2 * margin;
    // Lay the paragraphs out once to centre the whole block vertically.
    struct Placed {
        ImFont* font;
        ImU32 colour;
        std::string line;
        float gapBefore;
    };
    std::vector<Placed> placed;
    for (size_t i = 0; i < paragraphs_.size(); ++i) {
        const Paragraph& paragraph = paragraphs_[i];
        ImFont* font = paragraph.kind == Paragraph::Kind::title ? title : body;
        const ImU32 colour = paragraph.kind == Paragraph::Kind::title   ? kTitle
                             : paragraph.kind == Paragraph::Kind::faint ? kFaint
                                                                        : kText;
        // A wider gap before each group (what to do, who to call, this kiosk, the fault).
        const float gap = i == 0 ? 0.0F : (paragraph.startsGroup ? body->FontSize * 1.2F : body->FontSize * 0.3F);
        const std::string& text = paragraph.text;
        const char* begin = text.c_str();
        const char* end = begin + text.size();
        bool first = true;
        while (begin < end) {
            const char* cut = font->CalcWordWrapPositionA(1.0F, begin, end, wrapWidth);
            if (cut == begin) cut = begin + 1;  // a glyph wider than the line: take it anyway
            placed.push_back(Placed{font, colour, std::string(begin, cut), first ? gap : 0.0F});
            first = false;
            begin = cut;
            while (begin < end && *begin == ' ') ++begin;
        }
    }
    float total = 0;
    for (const Placed& p : placed) total += p.gapBefore + p.font->FontSize * 1.25F;
    float y = std::max(stripe * 2, (height - total) / 2);
    lines_.clear();
    for (const Placed& p : placed) {
        y += p.gapBefore;
        const ImVec2 size = p.font->CalcTextSizeA(p.font->FontSize, wrapWidth * 2, 0.0F, p.line.c_str());
        draw->AddText(p.font, p.font->FontSize, ImVec2((width - size.x) / 2, y), p.colour, p.line.c_str());
        lines_.push_back(p.line);
        y += p.font->FontSize * 1.25F;
    }
    ImGui::Render();
    SDL_SetRenderDrawColor(renderer_, 0xFF, 0xF4, 0xE0, 0xFF);
    SDL_RenderClear(renderer_);
    ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
}

bool OutOfServiceScreen::run(uint64_t maxFrames) {
    uint64_t frames = 0;
    while (true) {
        frame();
        SDL_RenderPresent(renderer_);
        if (maxFrames != 0 && ++frames >= maxFrames) return false;
        SDL_Event event;
        if (SDL_WaitEventTimeout(&event, static_cast<int>(std::chrono::milliseconds(kRedrawEvery).count())) != 0) {
            do {
                if (event.type == SDL_QUIT) return true;
            } while (SDL_PollEvent(&event) != 0);
        }
    }
}

Result<void> OutOfServiceScreen::screenshot(const std::filesystem::path& png) {
    frame();
    int outputWidth = 0;
    int outputHeight = 0;
    SDL_GetRendererOutputSize(renderer_, &outputWidth, &outputHeight);
    if (outputWidth != info_.width || outputHeight != info_.height) {
        return fail(Errc::unsupported, fmt::format("screenshots need an unscaled window ({}x{} vs {}x{})", outputWidth,
                                                   outputHeight, info_.width, info_.height));
    }
    std::vector<std::uint8_t> pixels(static_cast<size_t>(info_.width) * static_cast<size_t>(info_.height) * 4);
    if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_ABGR8888, pixels.data(), info_.width * 4) != 0) {
        return fail(Errc::io_error, fmt::format("reading the frame failed: {}", SDL_GetError()));
    }
    SDL_RenderPresent(renderer_);
    return writePngFile(png, info_.width, info_.height, pixels);
}

}  // namespace kiosk::screens
