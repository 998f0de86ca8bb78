#!/usr/bin/env bash
# Builds the servers and the benchmarks in release mode (into .build-release, apart from the
# debug build the tests use) and runs both benchmarks against the release binaries.
# Usage: scripts/bench.sh [openmeter|credits-mcp|tais|stackctl|dashboard|stripe|all] [extra flags for the benchmark]
# (`dashboard` is stackctl-bench --dashboard-only; `stackctl` and `all` include the dashboard too.)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
shift || true

SCRATCH=.build-release
for product in fake-openmeter credits-mcp openmeter-bench credits-mcp-bench fake-tais tais-bench stackctl stackctl-bench fake-stripe stripe-bench; do
  swift build -c release --scratch-path "$SCRATCH" --product "$product" 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\]/d'
done
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

if [ "$which" = openmeter ] || [ "$which" = all ]; then
  echo "== fake-openmeter benchmark"
  "$BIN/openmeter-bench" --server "$BIN/fake-openmeter" "$@"
fi
if [ "$which" = credits-mcp ] || [ "$which" = all ]; then
  echo "== credits-mcp benchmark"
  "$BIN/credits-mcp-bench" --bin "$BIN" "$@"
fi
if [ "$which" = tais ] || [ "$which" = all ]; then
  echo "== fake-tais benchmark"
  "$BIN/tais-bench" --bin "$BIN" "$@"
fi
if [ "$which" = stackctl ] || [ "$which" = all ]; then
  echo "== stackctl benchmark"
  "$BIN/stackctl-bench" --bin "$BIN" --repo "$PWD" "$@"
fi
if [ "$which" = dashboard ]; then
  echo "== stackctl dashboard benchmark"
  "$BIN/stackctl-bench" --bin "$BIN" --repo "$PWD" --dashboard-only "$@"
fi
if [ "$which" = stripe ] || [ "$which" = all ]; then
  echo "== fake-stripe / top-ups benchmark"
  "$BIN/stripe-bench" --bin "$BIN" "$@"
fi
