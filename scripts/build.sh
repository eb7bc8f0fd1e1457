#!/usr/bin/env bash
# Configures and builds the project in build/ (Ninja, -j2 by default: the machines have 2 cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${KIOSK_BUILD_DIR:-$root/build}"
jobs="${KIOSK_JOBS:-2}"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${KIOSK_BUILD_TYPE:-RelWithDebInfo}" ${KIOSK_CMAKE_ARGS:-}
fi
cmake --build "$build_dir" -j "$jobs" ${KIOSK_BUILD_TARGETS:+--target $KIOSK_BUILD_TARGETS}
