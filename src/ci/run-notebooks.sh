#!/usr/bin/env bash
# Executes every notebook under notebooks/ headless against a small real compare run.
# Needs a built checkout (mvn -B -DskipTests package) and Debian's jupyter-nbconvert,
# python3-ipykernel, python3-pandas and python3-matplotlib (.ci/run installs them).
# Everything it writes stays under target/: the run in target/ci-notebook-run, the
# executed notebooks (with their figures) in target/notebooks.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

run_dir="$root/target/ci-notebook-run"
out_dir="$root/target/notebooks"

# Keep Jupyter's and matplotlib's per-user state out of $HOME. Set before anything imports
# matplotlib: the import itself writes its config and font cache to ~/.config/matplotlib otherwise.
export MPLBACKEND=Agg
export PYDEVD_DISABLE_FILE_VALIDATION=1   # silences the kernel's debugger warning about frozen modules
export JUPYTER_RUNTIME_DIR="$root/target/scratch/jupyter-runtime"
export JUPYTER_CONFIG_DIR="$root/target/scratch/jupyter-config"
export JUPYTER_DATA_DIR="$root/target/scratch/jupyter-data"
export MPLCONFIGDIR="$root/target/scratch/matplotlib"
export IPYTHONDIR="$root/target/scratch/ipython"
# nbconvert writes the kernel's connection file through Python's tempfile, npm its temporary files too.
export TMPDIR="$root/target/scratch/tmp"
mkdir -p "$JUPYTER_RUNTIME_DIR" "$JUPYTER_CONFIG_DIR" "$JUPYTER_DATA_DIR" "$MPLCONFIGDIR" "$IPYTHONDIR" "$TMPDIR"

# The system python owns pandas/matplotlib and the python3 kernel; a pyenv python3 on PATH has neither.
nbconvert=(/usr/bin/python3 -m nbconvert)
if ! /usr/bin/python3 -c 'import nbconvert, ipykernel, pandas, matplotlib' 2>/dev/null; then
  echo "run-notebooks: /usr/bin/python3 lacks nbconvert/ipykernel/pandas/matplotlib;" \
       "apt-get install jupyter-nbconvert python3-ipykernel python3-pandas python3-matplotlib" >&2
  exit 2
fi

shopt -s nullglob
notebooks=(notebooks/*.ipynb)
if [ ${#notebooks[@]} -eq 0 ]; then
  echo "run-notebooks: no notebooks under notebooks/" >&2
  exit 1
fi

image_dir="$root/target/ci-notebook-images"
rm -rf "$run_dir" "$image_dir"
echo "run-notebooks: small compare run into $run_dir"
# Two seeds, so the per-seed runs and the spread over seeds are read too.
bin/sparkgan compare --seeds 1,2 --iterations 40 --eval-every 20 --log-every 10 --out "$run_dir" </dev/null
# An image run too, so the notebook's sample-grid and shard-histogram cells run: MNIST's test
# split read as plain IDX files (no evaluation classifier, so it stays fast), label-skewed shards.
bin/sparkgan data fetch mnist --data-dir target/ci-data </dev/null
mnist="target/ci-data/mnist"
bin/sparkgan compare --preset mdgan-mnist-mlp --dataset "idx:$mnist/t10k-images-idx3-ubyte,$mnist/t10k-labels-idx1-ubyte" \
  --workers 4 --shards label-skew:3 --iterations 20 --eval-every 10 --log-every 5 --out "$image_dir" </dev/null

rm -rf "$out_dir"
mkdir -p "$out_dir/figures"
export SPARKGAN_RUNS="$run_dir:$image_dir"

failed=()
for nb in "${notebooks[@]}"; do
  name="$(basename "$nb" .ipynb)"
  echo "run-notebooks: executing $nb"
  start=$SECONDS
  if SPARKGAN_FIGS="$out_dir/figures/$name" "${nbconvert[@]}" --to notebook --execute \
      --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
      --output-dir "$out_dir" "$nb" </dev/null; then
    echo "run-notebooks: $nb ok ($((SECONDS - start)) s)"
  else
    echo "run-notebooks: $nb FAILED" >&2
    failed+=("$nb")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run-notebooks: ${#failed[@]} notebook(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "run-notebooks: all ${#notebooks[@]} notebook(s) ran; executed copies in $out_dir"
