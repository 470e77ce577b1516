#!/usr/bin/env bash
# Runs a sparkgan command on a Spark standalone cluster, in client mode (the driver, which holds
# MD-GAN's generator and writes the run folder, runs here):
#   SPARK_HOME=/opt/spark SPARK_MASTER_URL=spark://master:7077 \
#     cluster-configs/standalone/submit.sh train --strategy mdgan --workers 8 --out runs/md8
# Settings: spark-defaults.conf in this folder (every one explained there). Extra spark-submit options
# go in SPARK_SUBMIT_OPTS_EXTRA, e.g. "--conf spark.cores.max=8".
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/submit-common.sh"
[[ -n "${SPARK_MASTER_URL:-}" ]] || sparkgan_fail "SPARK_MASTER_URL is not set (spark://HOST:7077)"
[[ "$SPARK_MASTER_URL" == spark://* ]] || sparkgan_fail "SPARK_MASTER_URL '$SPARK_MASTER_URL' is not a standalone master URL (spark://HOST:PORT)"

exec "$SPARK_HOME/bin/spark-submit" --master "$SPARK_MASTER_URL" --deploy-mode client \
  --driver-java-options "$(client_driver_options)" \
  ${SPARK_SUBMIT_OPTS_EXTRA:-} \
  --class io.sparkgan.cli.Main "$app" "$@"
