#!/usr/bin/env bash
# The issue-4 experiment: MNIST, the paper's MLP preset (ACGAN, b = 100), N = 10 workers,
# MD-GAN vs FL-GAN vs standalone on the same budget, with iid and label-skew:2 shards.
# Results go to runs/mnist-n10-<mode>/ (report.html, summary.csv, one run folder per
# strategy) with the console log beside them; docs/results.md records the figures.
# Usage: src/experiments/mnist-n10.sh [ITERATIONS]   (needs `bin/sparkgan data fetch mnist` first)
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations="${1:-2000}"
for mode in iid label-skew:2; do
  out="runs/mnist-n10-${mode/:/}"
  mkdir -p runs
  echo "== $mode -> $out ($(date -u +%H:%M:%S))"
  /usr/bin/time -v bin/sparkgan compare --preset mdgan-mnist-mlp --shards "$mode" --iterations "$iterations" \
    --eval-every 500 --out "$out" </dev/null > "$out.log" 2>&1
  cat "$out/summary.csv"
done
