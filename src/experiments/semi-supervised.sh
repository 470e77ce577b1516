#!/usr/bin/env bash
# The issue-13 semi-supervised runs (Salimans et al. 2016, §5): MNIST with 10 labels per class, the
# paper's discriminator widths, Gaussian noise and weight normalisation, batch normalisation in G
# (virtual-batch-norm), feature matching, Adam 1e-3 (the best standalone recipe of docs/results.md);
# MD-GAN, FL-GAN (N = 10) and standalone with iid and label-skew:2 shards, one compare per sharding
# into runs/ssl-strategies-<shards>/ with its console log beside it. A sharding whose summary.csv exists is skipped; a folder without one is
# a run stopped part-way and starts again. docs/results.md records the figures.
# Usage: src/experiments/semi-supervised.sh [ITERATIONS] [RATE] [STRATEGIES] [SHARDINGS]
#        (defaults 1500, Adam 1e-3 for G and D, mdgan,flgan,standalone, "iid label-skew:2"; another rate
#        writes runs/ssl-strategies-<shards>-lr<RATE>/, a subset of strategies adds -<s1+s2> to the folder;
#        needs `bin/sparkgan data fetch mnist`)
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations="${1:-1500}"
rate="${2:-1e-3}"
strategies="${3:-mdgan,flgan,standalone}"
shardings="${4:-iid label-skew:2}"
mkdir -p runs
for shards in $shardings; do
  out="runs/ssl-strategies-${shards//:/-}"
  [[ "$rate" != 1e-3 ]] && out="$out-lr$rate"
  [[ "$strategies" != mdgan,flgan,standalone ]] && out="$out-${strategies//,/+}"
  if [[ -f "$out/summary.csv" ]]; then
    echo "== $shards: done before ($out/summary.csv)"
    continue
  fi
  again=(); [[ -d "$out" ]] && again=(--overwrite)
  echo "== $shards -> $out ($(date -u +%H:%M:%S))"
  bin/sparkgan compare --strategies "$strategies" --preset mdgan-mnist-mlp --objective semi-supervised --shards "$shards" \
    --labelled-per-class 10 --discriminator mlp:1000,500,250,250,250:leakyrelu --generator mlp:500,500:softplus:tanh \
    --discriminator-input-noise 0.3 --discriminator-hidden-noise 0.5 --stabilizers feature-matching,virtual-batch-norm \
    --weight-norm --generator-lr "$rate" --discriminator-lr "$rate" --iterations "$iterations" --eval-every "$iterations" \
    "${again[@]}" --out "$out" </dev/null > "$out.log" 2>&1 || echo "   a strategy diverged or the compare failed: see $out.log"
  # A strategy that diverged is a row of summary.csv (column diverged_at); the compare then exits with 1.
  [[ -f "$out/summary.csv" ]] && cat "$out/summary.csv"
done
