#!/usr/bin/env bash
# Runs a sparkgan command on Kubernetes, in cluster deploy mode (the driver runs in a pod).
# UNTESTED here: no Kubernetes API server can run on the machines this project is built on.
#   SPARK_HOME=/opt/spark SPARKGAN_K8S_MASTER=k8s://https://API-SERVER:6443 \
#     cluster-configs/kubernetes/submit.sh train --strategy mdgan --workers 8 --out /data/runs/md8
# The image (Dockerfile here) holds the jar; set spark.kubernetes.container.image in spark-defaults.conf.
# --out must be a folder the driver pod can write and you can read later (a mounted volume).
set -euo pipefail
export SPARKGAN_APP_JAR="${SPARKGAN_APP_JAR:-local:///opt/sparkgan/sparkgan-app.jar}"   # the jar in the image (Dockerfile)
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/submit-common.sh"
master="${SPARKGAN_K8S_MASTER:-}"
[[ "$master" == k8s://* ]] || sparkgan_fail "SPARKGAN_K8S_MASTER '${master}' is not a Kubernetes master URL (k8s://https://HOST:PORT)"
cd "$top"   # the pod template paths in spark-defaults.conf are relative to the distribution's folder

exec "$SPARK_HOME/bin/spark-submit" --master "$master" --deploy-mode cluster \
  ${SPARK_SUBMIT_OPTS_EXTRA:-} \
  --class io.sparkgan.cli.Main "$app" "$@"
