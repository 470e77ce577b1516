#!/usr/bin/env bash
# Side by side in one run: sparkgan's fast path (`bin/sparkgan bench --preset W`) against PyTorch
# (Debian's python3-torch, src/bench/pytorch_iterations.py) on the same workloads, shapes, batch
# sizes, optimizers and thread count, in alternating rounds so both see the same machine state.
# Workloads: mnist-mlp (the paper's MLP GAN iteration), dcgan-mnist (the preset's convolutional GAN
# iteration), classifier (a training step of the evaluation classifier's LeNet). docs/benchmarks.md
# records the figures.
#
# Usage: src/bench/compare-pytorch.sh [ROUNDS]   (default 3; THREADS=N for N threads on both sides, default 1)
# Needs: mvn -B -DskipTests package, and PyTorch for $PYTHON (default /usr/bin/python3) on OpenBLAS:
#        apt-get install python3-torch libopenblas0-pthread
#        (Debian's PyTorch multiplies dense layers through libblas.so.3; without OpenBLAS installed that is the
#        reference BLAS, and PyTorch's MLP iteration took 348 ms instead of 18.)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"
threads="${THREADS:-1}"
python="${PYTHON:-/usr/bin/python3}"
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  echo "compare-pytorch: rounds '$rounds' is invalid; expected a positive integer" >&2; exit 2
fi
if ! "$python" -c "import torch" 2>/dev/null; then
  echo "compare-pytorch: $python cannot import torch; install Debian's python3-torch (apt-get install python3-torch) or set PYTHON" >&2; exit 2
fi
blas="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)"
if [[ "$python" == /usr/bin/python3 && "$blas" != *openblas* ]]; then
  echo "compare-pytorch: Debian's PyTorch would multiply through the reference BLAS ($blas); install libopenblas0-pthread" >&2; exit 2
fi
if ! ls modules/cli/target/sparkgan-cli-*.jar >/dev/null 2>&1; then
  echo "compare-pytorch: sparkgan is not built; run mvn -B -DskipTests package first" >&2; exit 2
fi
declare -A iterations=([mnist-mlp]=60 [dcgan-mnist]=10 [classifier]=60)
declare -A warmup=([mnist-mlp]=15 [dcgan-mnist]=3 [classifier]=10)
workloads=(mnist-mlp dcgan-mnist classifier)
results="$(mktemp -d "${TMPDIR:-/tmp}/compare-pytorch.XXXXXX")"
trap 'rm -rf "$results"' EXIT
echo "threads $threads, $("$python" -c 'import torch; print("torch", torch.__version__)'), $(java -version 2>&1 | head -1)"
for round in $(seq 1 "$rounds"); do
  for w in "${workloads[@]}"; do
    ours="$(OMP_NUM_THREADS="$threads" bin/sparkgan bench --preset "$w" --iterations "${iterations[$w]}" --warmup "${warmup[$w]}" \
      | sed -nE 's/^(standalone iteration|evaluation classifier training step).*: +([0-9.]+) ms,.*/\2/p')"
    theirs="$("$python" src/bench/pytorch_iterations.py "$w" --threads "$threads" --iterations "${iterations[$w]}" --warmup "${warmup[$w]}" | awk '{print $2}')"
    echo "$ours $theirs" >> "$results/$w"
    awk -v r="$round" -v w="$w" -v a="$ours" -v b="$theirs" 'BEGIN { printf "round %d %-12s sparkgan %8.2f ms  pytorch %8.2f ms  ratio %.2f\n", r, w, a, b, a / b }'
  done
done
echo "medians over $rounds round(s):"
echo "| workload | sparkgan (ms) | PyTorch (ms) | sparkgan / PyTorch |"
echo "| --- | --- | --- | --- |"
for w in "${workloads[@]}"; do
  sort -n -k1,1 "$results/$w" | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}' > "$results/$w.a"
  sort -n -k2,2 "$results/$w" | awk '{b[NR]=$2} END {print (NR % 2 ? b[(NR+1)/2] : (b[NR/2] + b[NR/2+1]) / 2)}' > "$results/$w.b"
  awk -v w="$w" -v a="$(cat "$results/$w.a")" -v b="$(cat "$results/$w.b")" 'BEGIN { printf "| %s | %.2f | %.2f | %.2f |\n", w, a, b, a / b }'
done
