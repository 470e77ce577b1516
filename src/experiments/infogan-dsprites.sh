#!/usr/bin/env bash
# The issue-14 dSprites experiments (Lin et al. 2020, seed 003), on the embedded 32x32 dSprites:
#   compare: InfoGAN and InfoGAN-CR under MD-GAN, FL-GAN and standalone (N = 4 workers), the same
#            budget, seed and networks, one compare per method into runs/infogan-dsprites-<method>/;
#   select:  SEEDS standalone InfoGAN-CR runs (seeds 1..SEEDS; the regulariser on from the start,
#            without a gap: its late start destabilised D in the compare runs) into runs/infogan-dsprites-seed-<s>/,
#            then `select --models` over them (ModelCentrality with each model's own Q) into
#            runs/infogan-dsprites-select.csv, the true FactorVAE score on real images beside it.
# A run whose summary.csv (compare) or final.json (seed) exists is skipped, so the script can be
# stopped and rerun. docs/results.md records the figures.
# Usage: src/experiments/infogan-dsprites.sh compare|select [ITERATIONS] [SEEDS]   (defaults 20000, 8)
set -euo pipefail
cd "$(dirname "$0")/../.."
what="${1:?usage: $0 compare|select [ITERATIONS] [SEEDS]}"
iterations="${2:-20000}"
seeds="${3:-8}"
# Lin et al.'s dSprites latent: 5 continuous codes and 5 noise dimensions; MLPs, since convolutions are
# still slow here (issue 12); the MNIST presets' Adam 2e-4 (beta1 0.5), batch 64.
common=(--dataset dsprites --dataset-size 50000 --latent-dim 5 --info-continuous 5 --info-weight 0.05
        --generator mlp:512,512:relu:tanh --discriminator mlp:512,512:leakyrelu --objective nonsaturating
        --batch-size 64 --generator-lr 2e-4 --discriminator-lr 2e-4 --generator-ema 0
        --iterations "$iterations" --eval-every $((iterations / 4)) --checkpoint-every $((iterations / 4)))
# InfoGAN-CR: the regulariser (alpha 2, as Lin et al. on dSprites) from the second half of the budget,
# with a gap of 1.9 over its first quarter (their progressive schedule, compressed to this budget).
cr=(--cr-weight 2 --cr-from $((iterations / 2)) --cr-gap 1.9 --cr-gap-until $((iterations * 5 / 8)))
mkdir -p runs
case "$what" in
  compare)
    for method in infogan infogan-cr; do
      out="runs/infogan-dsprites-$method"
      if [[ -f "$out/summary.csv" ]]; then
        echo "== $method: done before ($out/summary.csv)"
        continue
      fi
      again=(); [[ -d "$out" ]] && again=(--overwrite)
      extra=(); [[ "$method" == infogan-cr ]] && extra=("${cr[@]}")
      echo "== $method -> $out ($(date -u +%H:%M:%S))"
      bin/sparkgan compare "${common[@]}" "${extra[@]}" --workers 4 --seed 1 "${again[@]}" --out "$out" </dev/null > "$out.log" 2>&1 \
        || { echo "   failed: see $out.log"; continue; }
      cat "$out/summary.csv"
    done
    ;;
  select)
    models=()
    for s in $(seq 1 "$seeds"); do
      out="runs/infogan-dsprites-seed-$s"
      models+=("$out")
      if [[ -f "$out/final.json" ]]; then
        echo "== seed $s: done before"
        continue
      fi
      again=(); [[ -d "$out" ]] && again=(--overwrite)
      echo "== seed $s -> $out ($(date -u +%H:%M:%S))"
      bin/sparkgan train --strategy standalone "${common[@]}" --cr-weight 2 --seed "$s" "${again[@]}" --out "$out" </dev/null > "$out.log" 2>&1 \
        || { echo "   failed: see $out.log"; exit 1; }
      tail -1 "$out.log"
    done
    bin/sparkgan select --models "${models[@]}" --overwrite --out runs/infogan-dsprites-select.csv </dev/null | tee runs/infogan-dsprites-select.log
    ;;
  *) echo "infogan-dsprites: '$what' is unknown; expected compare or select" >&2; exit 2 ;;
esac
