#!/usr/bin/env bash
# Issue 17 item 1: the Debian package, built from THIS build (nothing is compiled again: debian/rules
# with KIOSK_PREBUILT=1 runs `cmake --install` of BUILD_DIR), checked by lintian, then installed,
# upgraded, removed and purged with dpkg on this machine (as root: CI's machine is a fresh Debian 12).
#   1. build yizhan_<v>.deb; a second version for the upgrade is the same package repacked with a
#      higher version, so the upgrade runs both versions' maintainer scripts;
#   2. lintian: no error and no warning (what remains is explained in debian/yizhan.lintian-overrides);
#   3. install: the yizhan user and its groups, the folders and their owners, the config's mode,
#      the units, the udev rules; the installed kiosk starts headless as yizhan on the packaged config;
#   4. the site edits the config, and a journal gets one payment order in every saga state
#      (journal_seed: the project's SagaJournal), read back with the installed `kiosk journal list`;
#   5. upgrade: the config edit and every order are still there, unchanged, and still the kiosk's;
#   6. remove: programs gone, config and journal kept;
#   7. purge (nothing asked: stdin is /dev/null): what the package and the kiosk made is gone, the
#      files the "site" put beside them are not.
# The package is purged (and the test's own user and files removed) on every exit, failed or not.
# Usage: deb_package_test.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail
root="$1"
build="$2"
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: installs a package with dpkg: run as root (CI does)"
  exit 77
fi
if dpkg-query -W -f='${Status}' yizhan 2>/dev/null | grep -q "installed"; then
  echo "FAILED: a yizhan package is already installed on this machine; the test would replace and purge it" >&2
  exit 1
fi
for leftover in /etc/yizhan /var/lib/yizhan /var/log/yizhan; do
  if [ -e "$leftover" ]; then
    echo "FAILED: $leftover exists without the package; the test would purge it" >&2
    exit 1
  fi
done
user_existed=0
if getent passwd yizhan >/dev/null; then user_existed=1; fi

work="$(mktemp -d)"
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then dpkg --purge yizhan </dev/null >"$work/cleanup-purge.log" 2>&1 || true; fi
  rm -rf /etc/yizhan /var/lib/yizhan /var/log/yizhan
  if [ "$user_existed" = 0 ] && getent passwd yizhan >/dev/null; then userdel yizhan 2>/dev/null || true; fi
  if [ "$user_existed" = 0 ] && getent group yizhan >/dev/null; then groupdel yizhan 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
failed() {
  echo "FAILED: $*" >&2
  for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }; done
  exit 1
}
phase_started=$SECONDS
phase() { echo "[$((SECONDS - phase_started)) s] $*"; }

# 1. The package from this build.
mkdir -p "$work/src/yizhan"
cp -a "$root/debian" "$work/src/yizhan/"
(cd "$work/src/yizhan" && DEB_BUILD_OPTIONS=noautodbgsym KIOSK_PREBUILT=1 KIOSK_BUILD_DIR="$build" debian/rules binary) \
  >"$work/build.log" 2>&1 || failed "debian/rules binary"
version="$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)"
deb="$work/src/yizhan_${version}_amd64.deb"
[ -f "$deb" ] || failed "no $deb"
upgrade_version="${version}+upgradetest1"
dpkg-deb -R "$deb" "$work/v2"
sed -i "s/^Version: .*/Version: $upgrade_version/" "$work/v2/DEBIAN/control"
dpkg-deb -Zgzip -b "$work/v2" "$work/yizhan_${upgrade_version}_amd64.deb" >/dev/null
phase "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB; installed $(dpkg-deb -f "$deb" Installed-Size) KiB)"
echo "Depends: $(dpkg-deb -f "$deb" Depends)"

# 2. lintian.
lintian --fail-on error,warning --display-info "$deb" >"$work/lintian.log" 2>&1 ||
  failed "lintian: $(grep -E '^[EW]:' "$work/lintian.log" | head -20)"
phase "lintian: no error, no warning ($(grep -c '^I:' "$work/lintian.log" || true) info tags; $(grep -c '^yizhan:' "$root/debian/yizhan.lintian-overrides") overridden, debian/yizhan.lintian-overrides says why)"
grep -E '^I:' "$work/lintian.log" || true

# 3. Install.
installed=1
dpkg -i "$deb" </dev/null >"$work/install.log" 2>&1 || failed "dpkg -i $version"
getent passwd yizhan >/dev/null || failed "no yizhan user"
for group in dialout lp video input; do
  id -nG yizhan | tr ' ' '\n' | grep -qx "$group" || failed "yizhan is not in group $group"
done
[ "$(stat -c '%U:%G %a' /var/lib/yizhan)" = "yizhan:yizhan 750" ] || failed "/var/lib/yizhan is $(stat -c '%U:%G %a' /var/lib/yizhan)"
[ "$(stat -c '%U:%G' /var/log/yizhan)" = "yizhan:adm" ] || failed "/var/log/yizhan is $(stat -c '%U:%G' /var/log/yizhan)"
[ "$(stat -c '%U:%G %a' /etc/yizhan/kiosk.toml)" = "root:yizhan 640" ] || failed "/etc/yizhan/kiosk.toml is $(stat -c '%U:%G %a' /etc/yizhan/kiosk.toml)"
for file in /usr/bin/kiosk /usr/bin/hospital-sim /usr/libexec/yizhan/kiosk-pos-helper /lib/systemd/system/yizhan-kiosk.service \
  /lib/systemd/system/yizhan-hospital-sim.service /lib/udev/rules.d/70-yizhan.rules /etc/logrotate.d/yizhan \
  /usr/share/yizhan/lang/zh_CN.json /usr/share/yizhan/sim/people.json; do
  [ -e "$file" ] || failed "$file not installed"
done
# The installed kiosk on the packaged config, as its user: config, assets, log and journal paths.
runuser -u yizhan -- env SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy \
  /usr/bin/kiosk run --headless --config /etc/yizhan/kiosk.toml --exit-after-frames 2 >"$work/kiosk-run.log" 2>&1 ||
  failed "the installed kiosk did not start on /etc/yizhan/kiosk.toml"
[ -s /var/log/yizhan/kiosk.log ] || failed "the kiosk wrote no /var/log/yizhan/kiosk.log"
[ -f /var/lib/yizhan/journal.sqlite ] || failed "the kiosk made no /var/lib/yizhan/journal.sqlite"
# logrotate accepts the package's file (a dry run: -d changes nothing).
echo "hospital-sim log line" >/var/log/yizhan/hospital-sim.log
logrotate -d /etc/logrotate.d/yizhan >"$work/logrotate.log" 2>&1 || failed "logrotate -d /etc/logrotate.d/yizhan"
grep -qi "error" "$work/logrotate.log" && failed "logrotate: $(grep -i error "$work/logrotate.log")"
phase "installed $version: user, groups, folders, config mode, units; the kiosk starts as yizhan"

# 3b. The maintainer scripts around a running kiosk. This machine has no systemd running (nor has
# CI's), so they are run as dpkg runs them, in a private mount namespace whose /run says systemd
# runs (/run/systemd/system), with systemctl, deb-systemd-invoke and kiosk replaced by recorders
# on PATH: systemctl says the kiosk is active; kiosk wait-idle takes 1 s (a payment finishing).
scripts="$work/scripts"
dpkg-deb -e "$deb" "$scripts"
fakes="$work/fakes"
mkdir -p "$fakes"
calls="$work/calls.log"
cat >"$fakes/systemctl" <<FAKE
#!/bin/sh
echo "systemctl \$*" >>"$calls"
FAKE
cat >"$fakes/deb-systemd-invoke" <<FAKE
#!/bin/sh
echo "deb-systemd-invoke \$*" >>"$calls"
FAKE
cat >"$fakes/kiosk-with-wait-idle" <<FAKE
#!/bin/sh
if [ "\$1 \$2" = "wait-idle --help" ]; then echo "Usage: kiosk wait-idle [OPTIONS] --timeout SECONDS --config FILE"; exit 0; fi
if [ "\$1" = wait-idle ]; then echo "kiosk \$* as \$(id -un)" >>"$calls"; sleep 1; echo "kiosk wait-idle returned" >>"$calls"; exit 0; fi
exit 2
FAKE
cat >"$fakes/kiosk-without-wait-idle" <<FAKE
#!/bin/sh
echo "The following argument was not expected: \$1" >&2
exit 109
FAKE
chmod 755 "$fakes"/*
chmod 755 "$work"  # the recorders run as yizhan too (runuser)
touch "$calls" && chmod 666 "$calls"
run_scripts() {  # run_scripts KIOSK_FAKE SCRIPT ARGS... ; SCRIPT ARGS...
  local kiosk_fake="$1"; shift
  unshare -m --propagation private sh -c '
    mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system &&
    mkdir -p "$1/bin" && cp "$1/$2" "$1/bin/kiosk" && cp "$1/systemctl" "$1/deb-systemd-invoke" "$1/bin/" &&
    export PATH="$1/bin:$PATH" && shift 2 && "$@"' sh "$fakes" "$kiosk_fake" "$@"
}
# An upgrade: prerm waits for idle, then stops; postinst starts the kiosk again.
run_scripts kiosk-with-wait-idle sh -c "sh '$scripts/prerm' upgrade 0.1.0+next && ls /run/yizhan-kiosk.restart-after-upgrade >>'$calls' && sh '$scripts/postinst' configure $version && { ls /run/yizhan-kiosk.restart-after-upgrade >>'$calls' 2>&1 || true; }" \
  >"$work/scripts-upgrade.log" 2>&1 || failed "prerm upgrade / postinst configure"
grep -v '^systemctl \(daemon-reload\|--system daemon-reload\)' "$calls" >"$work/calls-upgrade.log"
expected_calls="systemctl --quiet is-active yizhan-kiosk.service
kiosk wait-idle --timeout 300 --config /etc/yizhan/kiosk.toml as yizhan
kiosk wait-idle returned
deb-systemd-invoke stop yizhan-kiosk.service
/run/yizhan-kiosk.restart-after-upgrade
deb-systemd-invoke start yizhan-kiosk.service"
[ "$(grep -v 'No such file' "$work/calls-upgrade.log")" = "$expected_calls" ] ||
  failed "upgrade around a running kiosk: expected
$expected_calls
got
$(cat "$work/calls-upgrade.log")"
# A kiosk from before `kiosk wait-idle`: prerm does not wait and does not fail, it stops; a remove
# does not start it again.
: >"$calls"
run_scripts kiosk-without-wait-idle sh "$scripts/prerm" remove >"$work/scripts-remove.log" 2>&1 || failed "prerm remove (no wait-idle)"
[ "$(cat "$calls")" = "systemctl --quiet is-active yizhan-kiosk.service
deb-systemd-invoke stop yizhan-kiosk.service" ] || failed "prerm remove without wait-idle: $(cat "$calls")"
phase "maintainer scripts: upgrade waits for kiosk wait-idle (as yizhan), stops, restarts; without wait-idle, stops"

# 4. The site's edit, its own files, and a journal with an order in every state.
sed -i 's/^id = "UNCONFIGURED-01".*/id = "WARD3-KIOSK-07"   # edited on site/' /etc/yizhan/kiosk.toml
grep -q 'WARD3-KIOSK-07' /etc/yizhan/kiosk.toml || failed "could not edit the config"
echo "site certificate" >/etc/yizhan/site-ca.pem
echo "site notes" >/var/lib/yizhan/site-notes.txt
"$build/tests/packaging/journal_seed" --journal /var/lib/yizhan/journal.sqlite --kiosk-id WARD3K07 >"$work/seed.log" 2>&1 ||
  failed "journal_seed"
chown yizhan:yizhan /var/lib/yizhan/journal.sqlite*
list_orders() {
  runuser -u yizhan -- /usr/bin/kiosk journal list --all --config /etc/yizhan/kiosk.toml 2>>"$work/journal-list.log" |
    jq -S '[.[] | {order_id, state, resume_state, kind, amount_fen, channel, reason, updated}] | sort_by(.order_id)'
}
list_orders >"$work/orders-before.json" || failed "kiosk journal list (before the upgrade)"
states_before="$(jq -r '[.[].state] | unique | length' "$work/orders-before.json")"
orders_before="$(jq -r 'length' "$work/orders-before.json")"
[ "$states_before" -ge 17 ] || failed "the journal has orders in $states_before states, not all 17: $(jq -c '[.[].state] | unique' "$work/orders-before.json")"
phase "journal: $orders_before orders in $states_before states ($(jq -c '[.[].state] | unique' "$work/orders-before.json"))"

# 5. Upgrade.
dpkg -i "$work/yizhan_${upgrade_version}_amd64.deb" </dev/null >"$work/upgrade.log" 2>&1 || failed "dpkg -i $upgrade_version (upgrade)"
[ "$(dpkg-query -W -f='${Version}' yizhan)" = "$upgrade_version" ] || failed "the upgrade did not install $upgrade_version"
grep -q '^id = "WARD3-KIOSK-07"   # edited on site' /etc/yizhan/kiosk.toml || failed "the upgrade lost the config edit"
ls /etc/yizhan/kiosk.toml.dpkg-* >/dev/null 2>&1 && failed "the upgrade left $(ls /etc/yizhan/kiosk.toml.dpkg-*)"
list_orders >"$work/orders-after.json" || failed "kiosk journal list (after the upgrade)"
diff -u "$work/orders-before.json" "$work/orders-after.json" >"$work/orders-diff.log" || failed "the orders changed across the upgrade"
[ "$(stat -c '%U' /var/lib/yizhan/journal.sqlite)" = yizhan ] || failed "the journal is no longer the kiosk's"
phase "upgraded to $upgrade_version: config edit kept, $orders_before orders unchanged"

# 6. Remove.
dpkg -r yizhan </dev/null >"$work/remove.log" 2>&1 || failed "dpkg -r"
[ ! -e /usr/bin/kiosk ] || failed "/usr/bin/kiosk is still there after remove"
grep -q 'WARD3-KIOSK-07' /etc/yizhan/kiosk.toml || failed "remove lost the config"
[ -f /var/lib/yizhan/journal.sqlite ] || failed "remove lost the journal"
phase "removed: programs gone, config and journal kept"

# 7. Purge: nothing asked (stdin is /dev/null), only the site's own files remain.
dpkg --purge yizhan </dev/null >"$work/purge.log" 2>&1 || failed "dpkg --purge"
installed=0
left="$(find /etc /lib /usr /var -path '*yizhan*' 2>/dev/null | sort | tr '\n' ' ')"
expected="/etc/yizhan /etc/yizhan/site-ca.pem /var/lib/yizhan /var/lib/yizhan/site-notes.txt "
[ "$left" = "$expected" ] || failed "after purge, left: $left (expected only the site's files: $expected)"
getent passwd yizhan >/dev/null || failed "purge removed the yizhan user (Debian keeps system users)"
phase "purged: left only the site's files ($expected) and the yizhan user"
