#!/usr/bin/env bash
# The project's test command: installs the real programs the tests use (when
# missing), then runs every test. `.ci/run` calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v prometheus >/dev/null 2>&1 || need_pkgs+=(prometheus)
command -v prometheus-node-exporter >/dev/null 2>&1 || need_pkgs+=(prometheus-node-exporter)
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_pkgs+=(chromium-driver)
command -v vmagent >/dev/null 2>&1 || true  # benchmarks only (bench/), not needed by tests
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    echo "scripts/test.sh: installing ${need_pkgs[*]} with apt-get" >&2
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

export RIVER_CONFORMANCE_DIR="${RIVER_CONFORMANCE_DIR:-$(pwd)/../shared/conformance}"
# This script installs every program the tests use, so a missing one is a failure, not a
# skipped test. Set any of these to 0 to let the matching tests skip instead.
export RIVER_CONFORMANCE_REQUIRED="${RIVER_CONFORMANCE_REQUIRED:-1}"
export RIVER_BROWSER_REQUIRED="${RIVER_BROWSER_REQUIRED:-1}"
export RIVER_PROMTOOL_REQUIRED="${RIVER_PROMTOOL_REQUIRED:-1}"
export RIVER_E2E_REQUIRED="${RIVER_E2E_REQUIRED:-1}"
cargo build --profile ci --bins
cargo test --profile ci --no-fail-fast -- --test-threads="${TEST_THREADS:-2}"
