#!/usr/bin/env bash
# Whole-process scrape benchmark: river-agent vs Prometheus agent mode vs vmagent, and a
# three-node river-agent cluster vs three hashmod-sharded Prometheus agents.
#
#   bench/scrape_compare.sh [--repeats 3] [--warmup 20] [--measure 60] [--skip-cluster] [--no-docs]
#
# Installs the peers with apt-get when missing (prometheus, victoria-metrics for vmagent),
# builds the agent in release mode, then runs bench/scrape_compare.py, which prints a table
# and appends it to docs/benchmarks.md. Method: spec/peers.md (targets and receiver on CPU 0,
# the agent under test on CPU 1, warm-up, measurement window, medians of the repeats).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v vmagent >/dev/null || need+=(victoria-metrics)
command -v taskset >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ -z "${AGENT_BIN:-}" ]; then
  cargo build --release --quiet
  AGENT_BIN="$PWD/target/release/agent"
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec python3 bench/scrape_compare.py --agent-bin "$AGENT_BIN" "$@"
