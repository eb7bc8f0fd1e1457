# Every library comes from a Debian 12 package (scripts/packages.txt); nothing is downloaded.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SDL2 REQUIRED)
find_package(tomlplusplus 3 REQUIRED)
pkg_check_modules(FREETYPE REQUIRED IMPORTED_TARGET freetype2)

# Dear ImGui 1.86 (libimgui-dev): the core is a static library; the SDL2 and SDL_Renderer backend
# sources are compiled here, unmodified, from where Debian installs them.
pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
set(KIOSK_IMGUI_BACKENDS_DIR /usr/share/doc/libimgui-dev/examples/backends
    CACHE PATH "Where Debian installs Dear ImGui's backend sources")
add_library(kiosk_imgui_backends STATIC
  ${KIOSK_IMGUI_BACKENDS_DIR}/imgui_impl_sdl.cpp
  ${KIOSK_IMGUI_BACKENDS_DIR}/imgui_impl_sdlrenderer.cpp)
target_include_directories(kiosk_imgui_backends PUBLIC ${KIOSK_IMGUI_BACKENDS_DIR} /usr/include/imgui/backends)
target_link_libraries(kiosk_imgui_backends PUBLIC PkgConfig::IMGUI PkgConfig::FREETYPE SDL2::SDL2)
set_target_properties(kiosk_imgui_backends PROPERTIES POSITION_INDEPENDENT_CODE ON)
add_library(Kiosk::ImGui ALIAS kiosk_imgui_backends)
