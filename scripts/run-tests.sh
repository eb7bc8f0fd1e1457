#!/usr/bin/env bash
# The whole test suite, as on a fresh Debian 12 machine: installs missing Debian packages,
# builds, runs ctest. Extra arguments go to ctest (e.g. -L foundation).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build_dir="${KIOSK_BUILD_DIR:-$root/build}"
cd "$build_dir"
ctest --output-on-failure --timeout 600 -j "${KIOSK_TEST_JOBS:-2}" "$@"
