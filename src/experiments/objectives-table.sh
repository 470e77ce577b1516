#!/usr/bin/env bash
# The issue-11 tables: every objective under every strategy (compare: MD-GAN, FL-GAN, standalone on
# the same data, shards, budget and seed), with and without spectral normalisation, scored before
# and after DCD refinement. One compare per row into runs/table-<dataset>-<row>/ with its console
# log beside it; a row whose summary.csv exists is skipped, so the script can be stopped and rerun.
# docs/results.md records the figures.
# Usage: src/experiments/objectives-table.sh grid25|mnist [ITERATIONS] [ROW...]
#   grid25: 4 workers, the defaults otherwise, default 2000 updates (the table of docs/results.md also had --generator-ema 0);
#   mnist:  the MD-GAN paper's MLP preset (N = 10), default 1000 updates (needs `bin/sparkgan data fetch mnist`).
#   ROW: an objective name, optionally with +sn, optionally with @STABILIZERS (comma-separated, as
#        --stabilizers takes them), e.g. nonsaturating@feature-matching (default: every objective, the
#        most used first, without stabilizers).
set -euo pipefail
cd "$(dirname "$0")/../.."
dataset="${1:?usage: $0 grid25|mnist [ITERATIONS] [ROW...]}"
case "$dataset" in
  grid25) flags=(); iterations="${2:-2000}" ;;
  # A FL-GAN round of ten workers on 2 cores beside other jobs can take longer than the default 600 s.
  mnist) flags=(--preset mdgan-mnist-mlp --worker-timeout 3600); iterations="${2:-1000}" ;;
  *) echo "objectives-table: dataset '$dataset' is unknown; expected grid25 or mnist" >&2; exit 2 ;;
esac
shift $(( $# >= 2 ? 2 : 1 ))
rows=("$@")
if [[ ${#rows[@]} -eq 0 ]]; then
  first=(); [[ "$dataset" == mnist ]] && first=(acgan)
  rows=("${first[@]}" nonsaturating hinge least-squares ebgan wgan-gp lgan:exp "${first[@]/%/+sn}" hinge+sn nonsaturating+sn
        lgan:logsigmoid lgan:sqrt lgan:linear lgan:hinge)
fi
mkdir -p runs
for row in "${rows[@]}"; do
  base="${row%%@*}"
  stab=(); [[ "$row" == *@* ]] && stab=(--stabilizers "${row#*@}")
  objective="${base%+sn}"
  sn=(); [[ "$base" == *+sn ]] && sn=(--spectral-norm)
  out="runs/table-$dataset-${row//[:,]/-}"
  if [[ -f "$out/summary.csv" ]]; then
    echo "== $row: done before ($out/summary.csv)"
    continue
  fi
  # A folder without summary.csv is a row stopped part-way: it starts again.
  again=(); [[ -d "$out" ]] && again=(--overwrite)
  # Refinement needs a discriminator that scores samples one by one; minibatch discrimination scores batches.
  refine=(--refine langevin); [[ "$row" == *minibatch-discrimination* ]] && refine=()
  echo "== $row -> $out ($(date -u +%H:%M:%S))"
  bin/sparkgan compare "${flags[@]}" --objective "$objective" "${sn[@]}" "${stab[@]}" --iterations "$iterations" --eval-every "$iterations" \
    "${refine[@]}" "${again[@]}" --out "$out" </dev/null > "$out.log" 2>&1 || echo "   a strategy diverged or the compare failed: see $out.log"
  # A strategy that diverged is a row of summary.csv (column diverged_at); the compare then exits with 1.
  [[ -f "$out/summary.csv" ]] && cat "$out/summary.csv"
done
