#!/usr/bin/env bash
# Runs a sparkgan command on YARN:
#   SPARK_HOME=/opt/spark HADOOP_CONF_DIR=/etc/hadoop/conf \
#     cluster-configs/yarn/submit.sh train --strategy mdgan --workers 8 --out runs/md8
# Client deploy mode by default: the driver (MD-GAN's generator, the run folder) runs here.
# SPARKGAN_DEPLOY_MODE=cluster runs the driver in a YARN container instead; the run folder is then
# written on the machine YARN picks, so give --out a folder every NodeManager can reach (a shared mount).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/submit-common.sh"
[[ -n "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ]] || sparkgan_fail "set HADOOP_CONF_DIR (or YARN_CONF_DIR) to the folder holding yarn-site.xml"
mode="${SPARKGAN_DEPLOY_MODE:-client}"
case "$mode" in
  client) driver_options="$(client_driver_options)" ;;
  cluster) driver_options="$(cluster_driver_options)" ;;
  *) sparkgan_fail "SPARKGAN_DEPLOY_MODE '$mode' is not client or cluster" ;;
esac

exec "$SPARK_HOME/bin/spark-submit" --master yarn --deploy-mode "$mode" \
  --driver-java-options "$driver_options" \
  ${SPARK_SUBMIT_OPTS_EXTRA:-} \
  --class io.sparkgan.cli.Main "$app" "$@"
