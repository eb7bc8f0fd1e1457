#!/usr/bin/env bash
# Issue 17 item 2: `systemd-analyze verify` of the package's units, clean: exit 0 and not one line
# of output (systemd 252 only warns, exit 0, on an unknown key such as RestartSteps=, which it
# does not support). The units are verified as installed — `cmake --install` of this build into a
# scratch root beside a copy of the machine's own units, so ExecStart's programs exist where the
# units say and every unit they name (graphical.target, network-online.target …) resolves.
# Then the same check on a unit with a wrong key must complain: the check can fail.
# Usage: systemd_verify_test.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail
root="$1"
build="$2"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
fs="$scratch/root"
DESTDIR="$fs" cmake --install "$build" --prefix /usr >"$scratch/install.log"
cp -an /lib/systemd/system/. "$fs/lib/systemd/system/"
units=(yizhan-kiosk.service yizhan-hospital-sim.service)
for unit in "${units[@]}"; do
  [ -f "$fs/lib/systemd/system/$unit" ] || { echo "FAILED: $unit was not installed" >&2; exit 1; }
done
if ! systemd-analyze verify --root="$fs" "${units[@]}" >"$scratch/verify.out" 2>&1 || [ -s "$scratch/verify.out" ]; then
  echo "FAILED: systemd-analyze verify is not clean:" >&2
  cat "$scratch/verify.out" >&2
  exit 1
fi
echo "systemd-analyze verify: ${units[*]} clean (systemd $(systemctl --version | awk 'NR==1{print $2}'))"

# The properties the kiosk's liveness relies on are there.
show() { grep -E "^$2=" "$fs/lib/systemd/system/$1" | tail -1 | cut -d= -f2-; }
[ "$(show yizhan-kiosk.service Type)" = notify ] || { echo "FAILED: the kiosk unit is not Type=notify" >&2; exit 1; }
[ -n "$(show yizhan-kiosk.service WatchdogSec)" ] || { echo "FAILED: the kiosk unit has no WatchdogSec" >&2; exit 1; }
[ -n "$(show yizhan-kiosk.service StartLimitAction)" ] || { echo "FAILED: no StartLimitAction" >&2; exit 1; }

# A unit with a key systemd 252 does not know is not clean.
sed 's/^RestartSec=.*/&\nRestartSteps=5/' "$fs/lib/systemd/system/yizhan-kiosk.service" >"$fs/lib/systemd/system/yizhan-broken.service"
systemd-analyze verify --root="$fs" yizhan-broken.service >"$scratch/broken.out" 2>&1 || true
grep -q "RestartSteps" "$scratch/broken.out" || { echo "FAILED: verify did not flag an unknown key" >&2; exit 1; }
echo "a unit with RestartSteps= (systemd >= 254) is flagged, as expected on systemd 252"
