#!/usr/bin/env bash
# The demo: installs missing Debian packages, builds, starts the simulated hospital (hospital-sim
# on a free loopback port) and the kiosk in lobby mode on the simulated devices, with a virtual
# UnionPay MIS-POS bank-card terminal (kiosk-vpos) on a pty in the run's folder. Without a
# display it runs the demo journey headless and writes its screenshots instead: one patient pays
# by bank card on the virtual terminal and books a slot, another pays by QR and checks in.
#
# Usage: scripts/run-demo.sh [--port N] [--no-build]
#   --port N     hospital-sim on 127.0.0.1:N; refused (and said why) when N is busy or in the
#                kernel's ephemeral port range. Default: the first free port from 18080 to 18179.
#   --no-build   skip the package check and the build (the tests use it)
# Environment: KIOSK_DEMO_CONFIG (a config whose hospital URLs use 127.0.0.1:18080; the demo
# rewrites them to its port and its data folder), KIOSK_DEMO_MODE (lobby, with the bank-card
# terminal, approving every card; pharmacy: the pickup
# kiosk with a virtual lock board of 12 lockers on a pty, bank LOCKER-A as the hospital's seed
# loads it; F2's panel jams and frees its doors at any time; pharmacy_display: the call display),
# KIOSK_DEMO_JAM (pharmacy: lockers whose doors stick from the start, e.g. "3"), KIOSK_DEMO_PORT
# (as --port), KIOSK_BUILD_DIR.
#
# Every demo has its own hospital and its own data folder (build/demo-data/run-PID: the
# hospital's database, the kiosk's journal and log, the simulated printers' output), so two demos
# on one machine never share a hospital, a journal or a screenshot folder. A folder stays
# after its demo ends (to look at the receipts); the next demo removes it.
# The console shows the steps and a summary; the kiosk's own log goes to the run's log files.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${KIOSK_BUILD_DIR:-$root/build}"
config="${KIOSK_DEMO_CONFIG:-$root/assets/config/demo.toml}"
port="${KIOSK_DEMO_PORT:-}"
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:-}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-demo: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

step() { printf '[%s] %s\n' "$1" "$2"; }
fail() { printf 'run-demo: %s\n' "$*" >&2; exit 1; }

# The kernel's ephemeral range: a port there may be taken by any outgoing connection at any time.
read -r ephemeral_low ephemeral_high < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || {
  ephemeral_low=32768; ephemeral_high=60999; }
if [ -n "$port" ]; then
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] ||
    fail "--port must be a TCP port number (1-65535), got '$port'"
  if [ "$port" -ge "$ephemeral_low" ] && [ "$port" -le "$ephemeral_high" ]; then
    fail "port $port is in the kernel's ephemeral range ($ephemeral_low-$ephemeral_high), where outgoing connections take their ports: choose one below $ephemeral_low, or leave --port out to pick a free one"
  fi
fi

# One folder per demo, named after the demo's process id (so its owner is known from the name
# alone, even in the instant after it was made). Folders of demos that have ended are removed.
runs="$build_dir/demo-data"
mkdir -p "$runs"
for old in "$runs"/run-*; do
  [ -d "$old" ] || continue
  owner="${old##*/run-}"
  if [ "$owner" != "$$" ] && { ! [[ "$owner" =~ ^[0-9]+$ ]] || ! kill -0 "$owner" 2>/dev/null; }; then rm -rf "$old"; fi
done
run_dir="$runs/run-$$"
rm -rf "$run_dir"  # a folder left by an earlier process with this id
mkdir -p "$run_dir"

if [ "$build" = 1 ]; then
  step 1/4 "Checking the Debian packages and building kiosk and hospital-sim (log: $run_dir/build.log)"
  if ! { "$root/scripts/install-deps.sh" && KIOSK_BUILD_TARGETS="kiosk hospital-sim kiosk-vlockboard kiosk-vpos" "$root/scripts/build.sh"; } \
      >"$run_dir/build.log" 2>&1; then
    tail -n 30 "$run_dir/build.log" >&2
    fail "the build failed; its log: $run_dir/build.log"
  fi
else
  step 1/4 "Using the kiosk and hospital-sim already built in $build_dir"
fi
kiosk="$build_dir/kiosk/kiosk"
sim="$build_dir/sim/hospital/hospital-sim"
[ -x "$kiosk" ] && [ -x "$sim" ] || fail "$kiosk or $sim is missing: run without --no-build"

# Is something listening on the port? (connect, no data sent)
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts hospital-sim on $1; 0 = up, 1 = the port is taken, 2 = another failure. The bind is
# the arbiter: hospital-sim refuses a port another program holds, so two demos starting at the
# same moment end up on two ports.
sim_pid=""
start_sim() {
  local try="$1"
  : >"$run_dir/hospital-sim.log"
  "$sim" --listen "127.0.0.1:$try" --data "$run_dir/hospital" >"$run_dir/hospital-sim.out" 2>"$run_dir/hospital-sim.log" &
  sim_pid=$!
  for _ in $(seq 1 300); do
    if grep -q "listening on" "$run_dir/hospital-sim.out" 2>/dev/null; then return 0; fi
    if ! kill -0 "$sim_pid" 2>/dev/null; then
      wait "$sim_pid" 2>/dev/null || true
      sim_pid=""
      if grep -q "cannot listen" "$run_dir/hospital-sim.log"; then return 1; fi
      return 2
    fi
    sleep 0.1
  done
  return 2
}
board_pid=""
vpos_pid=""
cleanup() {
  for pid in $sim_pid $board_pid $vpos_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

if [ -n "$port" ]; then
  step 2/4 "Starting the simulated hospital on 127.0.0.1:$port"
  busy="port $port is busy: another program listens on 127.0.0.1:$port (see: ss -ltnp 'sport = :$port'). Choose another with --port, or leave --port out to pick a free one"
  listening "$port" && fail "$busy"
  start_sim "$port" || { rc=$?; [ "$rc" = 1 ] && fail "$busy"; cat "$run_dir/hospital-sim.log" >&2; fail "hospital-sim did not start; its log: $run_dir/hospital-sim.log"; }
else
  step 2/4 "Starting the simulated hospital on the first free port from 18080"
  port=""
  for try in $(seq 18080 18179); do
    listening "$try" && continue
    if start_sim "$try"; then port="$try"; break; else rc=$?; fi
    if [ "$rc" = 2 ]; then cat "$run_dir/hospital-sim.log" >&2; fail "hospital-sim did not start; its log: $run_dir/hospital-sim.log"; fi
  done
  [ -n "$port" ] || fail "no free port from 18080 to 18179 for hospital-sim: stop a demo, or give one with --port"
fi
echo "$port" > "$run_dir/port"
echo "      hospital-sim is up on http://127.0.0.1:$port (data and logs: $run_dir)"

# The kiosk's config: the demo's, with this run's hospital port and data folder.
demo_config="$run_dir/kiosk.toml"
if grep -q '^data_dir *=' "$config"; then
  sed -E -e "s#127\.0\.0\.1:18080#127.0.0.1:$port#g" -e "s#^data_dir *=.*#data_dir = \"$run_dir\"#" "$config" >"$demo_config"
else
  sed -E -e "s#127\.0\.0\.1:18080#127.0.0.1:$port#g" -e "/^\[kiosk\]/a data_dir = \"$run_dir\"" "$config" >"$demo_config"
fi

# The pharmacy kiosk's lockers: a virtual lock board (8A frames, 12 lockers) on a pty in the run's
# folder, and the bank id the hospital's seed loads the locker prescriptions into.
mode="${KIOSK_DEMO_MODE:-lobby}"
case "$mode" in lobby|pharmacy|pharmacy_display) ;; *) fail "KIOSK_DEMO_MODE must be lobby, pharmacy or pharmacy_display, got '$mode'" ;; esac
sed -i -E "s/^mode *=.*/mode = \"$mode\"/" "$demo_config"
journey="$root/assets/journeys/demo.json"
what="identify with a card, pay the charges by bank card on the virtual terminal, book a general-clinic slot; another patient pays by QR and checks in; time-out"
if [ "$mode" = pharmacy ]; then
  journey="$root/assets/journeys/pharmacy.json"
  what="identify with a card, open a medicine locker, choose decoction and delivery for a herbal prescription and pay its fee, take a number for the window"
elif [ "$mode" = pharmacy_display ]; then
  journey="$root/assets/journeys/pharmacy_display.json"
  what="the call display reading the pharmacy's queue"
fi
if [ "$mode" = pharmacy ]; then
  vlockboard="$build_dir/sim/kiosk-vlockboard"
  [ -x "$vlockboard" ] || fail "$vlockboard is missing: run without --no-build"
  jam=()
  for locker in ${KIOSK_DEMO_JAM:-}; do jam+=(--jam "$locker"); done
  # --control: the F2 panel's "Jam locker N / Free locker N" reach the board through this socket
  # ([simulator] lock_board_control below). A Unix socket path holds at most 107 bytes: a deep
  # build folder falls back to one under /tmp named after this demo.
  control="$run_dir/lock-board.sock"
  [ "${#control}" -lt 108 ] || control="${TMPDIR:-/tmp}/kiosk-demo-$$-lock-board.sock"
  "$vlockboard" --link "$run_dir/ttyLockers" --boards 1:12 --control "$control" "${jam[@]}" >"$run_dir/lock-board.log" 2>&1 &
  board_pid=$!
  for _ in $(seq 1 50); do [ -e "$run_dir/ttyLockers" ] && [ -S "$control" ] && break; sleep 0.1; done
  [ -e "$run_dir/ttyLockers" ] && [ -S "$control" ] || fail "the virtual lock board did not start; its log: $run_dir/lock-board.log"
  cat >>"$demo_config" <<TOML

[[devices]]
name = "lockers"
class = "locker"
driver = "lockboard"
port = "$run_dir/ttyLockers"
model = "8a_9600"
confirm_timeout_ms = 1500
[[devices.boards]]
address = 1
locks = 12

[pharmacy]
locker_bank_id = "LOCKER-A"

[simulator]
lock_board_control = "$control"
TOML
  echo "      virtual lock board: 12 lockers on $run_dir/ttyLockers${KIOSK_DEMO_JAM:+ (jammed: $KIOSK_DEMO_JAM)}; F2 jams and frees doors"
fi

# The lobby kiosk's bank-card terminal: a virtual UnionPay MIS-POS (kiosk-vpos) on a pty in the
# run's folder, speaking the serial framing to the kiosk's mispos driver (as
# assets/config/bankcard.example.toml describes). It takes 2 s to answer, as a patient inserting a
# card and typing a PIN would, so the kiosk's "use the terminal below" screen is seen.
if [ "$mode" = lobby ]; then
  vpos="$build_dir/sim/kiosk-vpos"
  [ -x "$vpos" ] || fail "$vpos is missing: run without --no-build"
  "$vpos" --link "$run_dir/ttyPos" --state "$run_dir/vpos.state" --answer-delay-ms 2000 >"$run_dir/vpos.log" 2>&1 &
  vpos_pid=$!
  for _ in $(seq 1 50); do [ -e "$run_dir/ttyPos" ] && break; sleep 0.1; done
  [ -e "$run_dir/ttyPos" ] || fail "the virtual bank-card terminal did not start; its log: $run_dir/vpos.log"
  cat >>"$demo_config" <<TOML

[[devices]]
name = "bankcard"
class = "pos_terminal"
driver = "mispos"
transport = "serial"
port = "$run_dir/ttyPos"
pos_id = "YZDEMO01"
operator = "KIOSK"
answer_timeout_ms = 90000
service_timeout_ms = 30000
TOML
  echo "      virtual bank-card terminal (UnionPay MIS-POS) on $run_dir/ttyPos; every card is approved"
fi

# What the demo did, from the kiosk's own records: its payment journal and the printers' output.
summary() {
  local orders
  orders="$("$kiosk" journal list --all --config "$demo_config" 2>>"$run_dir/kiosk-console.log" || echo '[]')"
  local count
  count="$(jq 'length' <<<"$orders")"
  if [ "$count" = 0 ]; then
    echo "  payments: none"
  else
    jq -r '.[] | "  payment: \(.order_id): ¥\(.amount_fen / 100 | floor).\(.amount_fen % 100 | tostring | if length < 2 then "0" + . else . end) for \(.charges | length) charge(s), \(.kind | sub("_"; "-")) by \(.channel): \(
      {"DONE": "paid and committed to the hospital", "CLOSED": "cancelled, nothing charged",
       "REFUNDED": "refunded"}[.state] // "state " + .state)"' <<<"$orders"
  fi
  local receipts=0 reports=0
  [ -d "$run_dir/printed" ] && receipts="$(find "$run_dir/printed" -type f | wc -l)"
  [ -d "$run_dir/printed-reports" ] && reports="$(find "$run_dir/printed-reports" -type f | wc -l)"
  echo "  printed: $receipts slip(s) on the receipt printer ($run_dir/printed), $reports report(s) on the A4 printer"
  echo "  logs: kiosk $run_dir/logs/kiosk.log, hospital $run_dir/hospital-sim.log"
}

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  shots="$run_dir/shots"
  step 3/4 "No display (DISPLAY is not set): running the demo journey headless ($what) into $shots"
  journey_ok=1
  "$kiosk" screenshot --config "$demo_config" --journey "$journey" --out "$shots" \
    >"$run_dir/journey.json" 2>"$run_dir/kiosk-console.log" || journey_ok=0
  step 4/4 "Summary"
  if jq -e . "$run_dir/journey.json" >/dev/null 2>&1; then
    jq -r '"  journey \"\(.journey)\": \([.steps[] | select(.ok)] | length) of \(.steps | length) steps passed" + (if .ok then "" else " — FAILED" end),
           "  screens: \(.screens_visited | join(" → "))",
           (.steps[] | select(.ok | not) | "  failed at step \(.index) (\(.step)): \(.error // "layout problems: " + ((.layout_problems // []) | join("; ")))")' \
      "$run_dir/journey.json"
  fi
  summary
  if [ "$journey_ok" = 0 ]; then
    tail -n 20 "$run_dir/kiosk-console.log" >&2
    fail "the demo journey did not complete; its report: $run_dir/journey.json"
  fi
  cat <<MSG
  screenshots: $shots (one PNG per step; report: $run_dir/journey.json)
To see the demo in a window instead, run it in a virtual display:
  xvfb-run -s "-screen 0 1080x1920x24" bash $0
MSG
  exit 0
fi

step 3/4 "Starting the kiosk (F2: simulator panel; its log: $run_dir/logs/kiosk.log)"
kiosk_rc=0
"$kiosk" run --config "$demo_config" --mode "$mode" 2>"$run_dir/kiosk-console.log" || kiosk_rc=$?
step 4/4 "Summary (the kiosk exited with code $kiosk_rc)"
summary
if [ "$kiosk_rc" != 0 ]; then
  tail -n 20 "$run_dir/kiosk-console.log" >&2
  exit "$kiosk_rc"
fi
