# Sourced by cluster-configs/<manager>/submit.sh: finds spark-submit and the application jar, and sets the
# driver-side settings that bin/sparkgan sets for local runs. Every failure is one line and exit code 2.
here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"

sparkgan_fail() { echo "sparkgan submit: $*" >&2; exit 2; }

if [[ $# -eq 0 ]]; then
  sparkgan_fail "give the sparkgan command line after the script, e.g. $(basename "$here")/submit.sh train --strategy mdgan --out RUN"
fi

# The application jar: SPARKGAN_APP_JAR, else the distribution's jars/, else a checkout's build output.
# (Kubernetes reads it from the image: local:///..., nothing to find here.)
app="${SPARKGAN_APP_JAR:-}"
if [[ "$app" == local://* ]]; then
  :
elif [[ -z "$app" ]]; then
  for candidate in "$top/jars/sparkgan-app.jar" "$top/modules/app/target/sparkgan-app.jar"; do
    [[ -f "$candidate" ]] && { app="$candidate"; break; }
  done
fi
[[ "$app" == local://* || ( -n "$app" && -f "$app" ) ]] || sparkgan_fail "no sparkgan-app.jar found (set SPARKGAN_APP_JAR, or run 'mvn -B -DskipTests package' in $top)"

[[ -n "${SPARK_HOME:-}" ]] || sparkgan_fail "SPARK_HOME is not set; point it at a Spark 3.5 (Scala 2.12) installation"
[[ -x "$SPARK_HOME/bin/spark-submit" ]] || sparkgan_fail "no bin/spark-submit in SPARK_HOME=$SPARK_HOME"

# spark-submit reads spark-defaults.conf (and puts log4j2.properties on the driver's class path) from here.
# SPARKGAN_CONF_DIR may name a copy of this folder (e.g. one holding spark.authenticate.secret, mode 600).
export SPARK_CONF_DIR="${SPARKGAN_CONF_DIR:-$here}"

# The driver runs ND4J as the executors do: one OpenMP thread, passive waiting, the same ND4J build.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
nd4j_extension="${SPARKGAN_ND4J_EXTENSION--onednn-avx2}"

# In client mode the driver is this machine's JVM: its natives cache and temp files go to a scratch
# folder next to the jar (the distribution's or the checkout's), never $HOME or /tmp.
scratch="${SPARKGAN_SCRATCH:-$top/scratch}"
if [[ "$top/modules/app/target/sparkgan-app.jar" == "$app" ]]; then
  scratch="${SPARKGAN_SCRATCH:-$top/target/scratch}"
fi
client_driver_options() {
  mkdir -p "$scratch/javacpp" "$scratch/tmp" 2>/dev/null || sparkgan_fail "cannot create the scratch folder $scratch (set SPARKGAN_SCRATCH)"
  echo "-Xss4m -Dorg.bytedeco.javacpp.cachedir=$scratch/javacpp -Dorg.bytedeco.javacpp.platform.extension=$nd4j_extension -Djava.io.tmpdir=$scratch/tmp"
}
# In cluster mode the driver runs in a container: its working directory plays the scratch folder's role.
cluster_driver_options() {
  echo "-Xss4m -Dorg.bytedeco.javacpp.cachedir=javacpp-cache -Dorg.bytedeco.javacpp.platform.extension=$nd4j_extension"
}
