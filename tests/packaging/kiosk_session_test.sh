#!/usr/bin/env bash
# Issue 17 item 3: the kiosk session for real. Debian's cage runs the kiosk with the command line
# of deploy/systemd/yizhan-session.service, on wlroots' headless backend with the pixman renderer
# (no GPU, no display, no input devices); grim takes a screenshot from outside, as a technician's
# tool would, and screen_png_check says whether it shows the attract screen.
#   1. portrait: YIZHAN_CAGE_ARGS=-r turns cage's 1280x720 output into a 720x1280 portrait panel;
#   2. landscape: a landscape kiosk on a panel mounted upside down (YIZHAN_CAGE_ARGS="-r -r").
#      Not the unturned output: there, wlroots 0.15's headless backend fails cage's direct
#      scan-out of a window exactly the output's size ("Basic output test failed for HEADLESS-1")
#      and grim then copies a black frame (any turn avoids scan-out); see the README;
#   3. the check can fail: cage running an application that draws nothing gives a black frame,
#      which screen_png_check must refuse;
#   4. stopping: the unit's ExecStop (SIGTERM to cage's child, then cage follows) ends the kiosk
#      cleanly ("kiosk window closed") and cage with it.
# cage refuses to run as root, so as root (CI) everything runs as `nobody`, like the unit's
# system user. Usage: kiosk_session_test.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail
root="$1"
build="$2"
kiosk="$build/kiosk/kiosk"
check="$build/tests/packaging/screen_png_check"
unit="$root/deploy/systemd/yizhan-session.service"
work="$(mktemp -d /tmp/kiosk-session.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
failed() {
  echo "FAILED: $*" >&2
  for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
  exit 1
}
wait_for() {  # wait_for SECONDS COMMAND...: polls every 0.2 s
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ "$SECONDS" -lt "$deadline" ] || return 1; sleep 0.2; done
}
as_user=()
if [ "$(id -u)" -eq 0 ]; then as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups); fi
for tool in cage grim; do command -v "$tool" >/dev/null || failed "$tool is not installed (scripts/install-deps.sh)"; done

# The unit's ExecStart, with the package's paths replaced by the build's and the site's
# session.env flags by the case's: the test runs the command line the package ships.
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
[ -n "$exec_start" ] || failed "no ExecStart in $unit"
session_command() {  # session_command CAGE_ARGS CONFIG
  local line="${exec_start//\/usr\/bin\/kiosk/$kiosk}"
  line="${line//\/etc\/yizhan\/kiosk.toml/$2}"
  line="${line//\$YIZHAN_CAGE_ARGS/$1}"
  echo "$line"
}
# The unit's environment lines (SDL_VIDEODRIVER=wayland above all), minus the runtime dir.
mapfile -t unit_env < <(sed -n 's/^Environment=//p' "$unit" | grep -v '^XDG_RUNTIME_DIR=' | grep -v '=$')

write_config() {  # write_config NAME ORIENTATION
  mkdir -p "$work/$1-data"
  cat >"$work/$1.toml" <<EOF
[kiosk]
id = "SESSION-TEST-01"
mode = "lobby"
data_dir = "$work/$1-data"
[ui]
orientation = "$2"
language = "zh_CN"
simulator_panel = false
[voice]
engine = "none"
[journal]
audit_salt = "session-test-salt-0123456789"
[[devices]]
name = "card"
class = "card_reader"
driver = "sim"
EOF
}

start_session() {  # start_session NAME COMMAND...: cage on the headless backend, private runtime dir
  local name="$1"; shift
  mkdir -m 700 "$work/$name-run"
  [ "${#as_user[@]}" -eq 0 ] || chown -R nobody:nogroup "$work"
  env XDG_RUNTIME_DIR="$work/$name-run" WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
    HOME="$work" "${unit_env[@]}" "${as_user[@]}" "$@" >"$work/$name.log" 2>&1 &
  session_pid=$!
  pids+=("$session_pid")
  wait_for 20 test -S "$work/$name-run/wayland-0" || failed "$name: cage did not open its Wayland socket"
}

screenshot() {  # screenshot NAME PNG: grim, from outside the session, on its Wayland socket
  env XDG_RUNTIME_DIR="$work/$1-run" WAYLAND_DISPLAY=wayland-0 "${as_user[@]}" grim "$2"
}

attract_shown() {  # attract_shown NAME ORIENTATION
  screenshot "$1" "$work/$1.png" 2>>"$work/$1-grim.log" && "$check" attract "$work/$1.png" "--$2" >"$work/$1-check.out"
}

run_case() {  # run_case NAME ORIENTATION CAGE_ARGS
  local started=$SECONDS
  write_config "$1" "$2"
  # shellcheck disable=SC2046  # the unit's command line is split at spaces, as systemd does
  start_session "$1" $(session_command "$3" "$work/$1.toml")
  local shown=0
  wait_for 40 attract_shown "$1" "$2" || shown=$?
  mkdir -p "$build/test-output/packaging/session"
  cp "$work/$1.png" "$build/test-output/packaging/session/$1.png" 2>/dev/null || true
  [ "$shown" -eq 0 ] || { cat "$work/$1-check.out" >&2 || true; failed "$1: no attract screen in the screenshot"; }
  echo "$1: $(head -n 1 "$work/$1-check.out") ($((SECONDS - started)) s)"
}

run_case portrait portrait -r
portrait_pid=$session_pid
run_case landscape landscape "-r -r"

# 3. A frame with nothing drawn must fail the check (the check can fail).
start_session black cage -d -- sleep 60
sleep 1
screenshot black "$work/black.png" || failed "black: grim failed"
if "$check" attract "$work/black.png" >"$work/black-check.out"; then
  failed "screen_png_check accepted a black frame: $(cat "$work/black-check.out")"
fi
echo "black: refused as expected: $(tail -n 1 "$work/black-check.out")"

# 4. The unit's ExecStop: SIGTERM to cage's child (the kiosk); cage exits when it does.
pkill -TERM -P "$portrait_pid"
wait_for 25 bash -c "! kill -0 $portrait_pid 2>/dev/null" || failed "stop: cage still runs 25 s after the kiosk's SIGTERM"
grep -q "kiosk window closed" "$work/portrait.log" || failed "stop: the kiosk did not close cleanly"
echo "stop: the kiosk closed and cage followed"
echo "PASS"
