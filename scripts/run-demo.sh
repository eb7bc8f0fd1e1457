#!/usr/bin/env bash
# The demo: installs missing Debian packages, builds, and starts the kiosk in lobby mode on the
# simulated devices. Without a display it says how to get screenshots instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
KIOSK_BUILD_TARGETS="kiosk" "$root/scripts/build.sh"
build_dir="${KIOSK_BUILD_DIR:-$root/build}"
config="${KIOSK_DEMO_CONFIG:-$root/assets/config/demo.toml}"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat <<MSG
No display found (DISPLAY is not set), so the kiosk window cannot open here.
To see the kiosk without a display, take screenshots of a scripted journey:
  $build_dir/kiosk/kiosk screenshot --config $config --journey $root/assets/journeys/demo.json --out /tmp/kiosk-shots
and open the PNG files in /tmp/kiosk-shots. Or run it in a virtual display:
  xvfb-run -s "-screen 0 1080x1920x24" $build_dir/kiosk/kiosk run --config $config
MSG
  exit 0
fi
exec "$build_dir/kiosk/kiosk" run --config "$config" --mode "${KIOSK_DEMO_MODE:-lobby}"
