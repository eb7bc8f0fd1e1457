#!/usr/bin/env bash
# The demo: installs missing Debian packages, builds, starts the simulated hospital
# (hospital-sim on 127.0.0.1:18080) and the kiosk in lobby mode on the simulated devices.
# Without a display it says how to get screenshots instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
KIOSK_BUILD_TARGETS="kiosk hospital-sim" "$root/scripts/build.sh"
build_dir="${KIOSK_BUILD_DIR:-$root/build}"
config="${KIOSK_DEMO_CONFIG:-$root/assets/config/demo.toml}"
data_dir="$build_dir/demo-data"
# Every demo starts from a freshly seeded hospital and an empty kiosk journal, so the sample
# patients have their outstanding charges again (the demo pays one of them).
rm -rf "$data_dir"
mkdir -p "$data_dir/hospital"

# The simulated hospital: started here, stopped when the kiosk (or the screenshots) end.
sim_log="$data_dir/hospital-sim.log"
"$build_dir/sim/hospital/hospital-sim" --listen 127.0.0.1:18080 --data "$data_dir/hospital" >"$sim_log" 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$sim_log" 2>/dev/null && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "hospital-sim did not start (port 18080 busy?); its log:" >&2
    cat "$sim_log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  shots="$build_dir/demo-shots"
  echo "No display found (DISPLAY is not set), so the kiosk window cannot open here."
  echo "Taking screenshots of the demo journey instead (identify, pay a charge by QR, time-out) into $shots ..."
  "$build_dir/kiosk/kiosk" screenshot --config "$config" --journey "$root/assets/journeys/demo.json" --out "$shots" >"$shots.json" || {
    echo "the demo journey did not complete; its report: $shots.json" >&2
    exit 1
  }
  cat <<MSG
Done: open the PNG files in $shots (one per step; report: $shots.json).
To take them again:
  $build_dir/kiosk/kiosk screenshot --config $config --journey $root/assets/journeys/demo.json --out /tmp/kiosk-shots
(with hospital-sim running: $build_dir/sim/hospital/hospital-sim --listen 127.0.0.1:18080 --data $data_dir/hospital)
Or run the demo in a virtual display:
  xvfb-run -s "-screen 0 1080x1920x24" bash $0
MSG
  exit 0
fi

echo "hospital-sim is up (log: $sim_log); starting the kiosk (F2: simulator panel)"
"$build_dir/kiosk/kiosk" run --config "$config" --mode "${KIOSK_DEMO_MODE:-lobby}"
