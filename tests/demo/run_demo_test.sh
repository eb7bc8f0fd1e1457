#!/usr/bin/env bash
# Issue 20 item 16: the demo command (scripts/run-demo.sh) on a shared machine.
#   1. a port in the kernel's ephemeral range is refused, with the reason;
#   2. a busy port (a real listener, socat) is refused and said so, and nothing is started;
#   3. two demos started at the same moment each get their own port and hospital: both journeys
#      pay a charge of the same sample patient, which only works when they do not share a
#      hospital (in a shared one the second would find the charge paid) — one patient by bank
#      card on the demo's own virtual MIS-POS terminal, one by QR. Their consoles show the
#      steps and a summary, not the kiosk's log lines.
# Usage: run_demo_test.sh SOURCE_ROOT BUILD_DIR   (the demo runs with --no-build on BUILD_DIR)
set -euo pipefail
root="$1"
export KIOSK_BUILD_DIR="$2"
unset DISPLAY WAYLAND_DISPLAY  # headless: the demo runs its journey and writes screenshots
demo="$root/scripts/run-demo.sh"
out="$(mktemp -d)"
listener=""
trap '[ -n "$listener" ] && kill "$listener" 2>/dev/null; rm -rf "$out"' EXIT
failed() { echo "FAILED: $*" >&2; for f in "$out"/*; do echo "--- $f" >&2; cat "$f" >&2; done; exit 1; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# 1. The ephemeral range.
if bash "$demo" --no-build --port 40000 >"$out/ephemeral.out" 2>"$out/ephemeral.err"; then
  failed "the demo accepted port 40000 (ephemeral range)"
fi
grep -q "port 40000 is in the kernel's ephemeral range" "$out/ephemeral.err" || failed "no reason given for port 40000"

# 2. A busy port: a listener of another program on a free port below the ephemeral range.
busy=""
for p in $(seq 20000 20999); do listening "$p" || { busy="$p"; break; }; done
[ -n "$busy" ] || failed "no free port from 20000 to 20999 for the test's listener"
socat "TCP-LISTEN:$busy,bind=127.0.0.1,reuseaddr,fork" SYSTEM:true &
listener=$!
for _ in $(seq 1 100); do listening "$busy" && break; sleep 0.05; done
listening "$busy" || failed "socat did not listen on $busy"
if bash "$demo" --no-build --port "$busy" >"$out/busy.out" 2>"$out/busy.err"; then
  failed "the demo started on busy port $busy"
fi
grep -q "port $busy is busy" "$out/busy.err" || failed "the busy port was not named as busy"
grep -q "hospital-sim is up" "$out/busy.out" && failed "a hospital-sim was started on the busy port"
kill "$listener"; wait "$listener" 2>/dev/null || true; listener=""

# 3. Two demos at once.
started=$(date +%s)
bash "$demo" --no-build >"$out/a.out" 2>"$out/a.err" & a=$!
bash "$demo" --no-build >"$out/b.out" 2>"$out/b.err" & b=$!
rc_a=0; wait "$a" || rc_a=$?
rc_b=0; wait "$b" || rc_b=$?
echo "two demos in $(( $(date +%s) - started )) s"
[ "$rc_a" = 0 ] && [ "$rc_b" = 0 ] || failed "demo exit codes $rc_a and $rc_b"
port_of() { sed -n 's#.*hospital-sim is up on http://127\.0\.0\.1:\([0-9]*\) .*#\1#p' "$1"; }
port_a="$(port_of "$out/a.out")"; port_b="$(port_of "$out/b.out")"
echo "demo A on port $port_a, demo B on port $port_b"
[ -n "$port_a" ] && [ -n "$port_b" ] || failed "a demo did not say its port"
[ "$port_a" != "$port_b" ] || failed "both demos on port $port_a"
for port in "$port_a" "$port_b"; do
  [ "$port" -ge 18080 ] && [ "$port" -le 18179 ] || failed "port $port outside 18080-18179"
done
for run in a b; do
  console="$out/$run.out"
  grep -q "^\[1/4\]" "$console" && grep -q "^\[4/4\] Summary" "$console" || failed "demo $run: steps missing"
  grep -Eq 'journey "demo": ([0-9]+) of \1 steps passed' "$console" || failed "demo $run: journey summary missing"
  grep -q "payment: .*by bankcard: paid and committed to the hospital" "$console" || failed "demo $run: no bank-card payment in the summary"
  grep -q "payment: .*self-pay by wechat: paid and committed to the hospital" "$console" || failed "demo $run: no QR payment in the summary"
  grep -q "payment: .*registration by wechat: paid and committed to the hospital" "$console" || failed "demo $run: no booking paid by QR in the summary"
  grep -q "virtual bank-card terminal" "$console" || failed "demo $run: the virtual bank-card terminal was not started"
  grep -Eq "printed: [1-9][0-9]* slip" "$console" || failed "demo $run: no receipt in the summary"
  # The kiosk's log lines ("2026-… info [app] …") belong in its log file, not on the console.
  grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ (trace|debug|info|warning|warn|error)' "$console" "$out/$run.err" &&
    failed "demo $run: kiosk log lines on the console"
  run_dir="$(sed -n 's#.*(data and logs: \(.*\))$#\1#p' "$console")"
  [ -s "$run_dir/logs/kiosk.log" ] || failed "demo $run: no kiosk log in $run_dir/logs"
done
echo "PASSED"
