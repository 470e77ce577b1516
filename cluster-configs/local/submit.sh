#!/usr/bin/env bash
# Runs a sparkgan command through spark-submit in local mode (handy to check an installation before a
# cluster run; bin/sparkgan needs no Spark installation at all):
#   SPARK_HOME=/opt/spark cluster-configs/local/submit.sh train --strategy mdgan --workers 4 --out runs/md4
# SPARKGAN_MASTER overrides the master (default local[*], from spark-defaults.conf).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/submit-common.sh"
master="${SPARKGAN_MASTER:-local[*]}"
[[ "$master" == local* ]] || sparkgan_fail "SPARKGAN_MASTER '$master' is not a local master (local, local[N], local[*])"

exec "$SPARK_HOME/bin/spark-submit" --master "$master" \
  --driver-java-options "$(client_driver_options)" \
  ${SPARK_SUBMIT_OPTS_EXTRA:-} \
  --class io.sparkgan.cli.Main "$app" "$@"
