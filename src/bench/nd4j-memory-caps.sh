#!/usr/bin/env bash
# Which JavaCPP cap bounds ND4J's arrays (the question behind the memory settings of
# cluster-configs/*/spark-defaults.conf): src/bench/Nd4jMemoryCaps.java allocates 1,280 MB of ND4J
# arrays under -Xmx512m: held with maxbytes=200M only, held with maxphysicalbytes=700M as well, then
# dropped one by one (garbage for the GC) under the same two caps.
# docs/benchmarks.md records what it printed.
# Usage: src/bench/nd4j-memory-caps.sh   (needs mvn -B -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/../.."
cli=modules/cli/target
if ! ls "$cli"/sparkgan-cli-*.jar >/dev/null 2>&1 || [[ ! -f "$cli/classes/jvm.options" ]]; then
  echo "nd4j-memory-caps: sparkgan is not built; run mvn -B -DskipTests package first" >&2; exit 2
fi
read -ra opens < "$cli/classes/jvm.options"
scratch=target/scratch
mkdir -p "$scratch/tmp"
run() {
  local mode="$1"; shift
  echo "== $mode $*"
  java "${opens[@]}" -Xmx512m -XX:-UsePerfData -Djava.io.tmpdir="$scratch/tmp" -Dorg.bytedeco.javacpp.cachedir="$scratch/javacpp" "$@" \
    -cp "$cli/classes:$cli/lib/*" src/bench/Nd4jMemoryCaps.java 1280 "$mode" 2>&1 | grep -v '^SLF4J'
}
run hold -Dorg.bytedeco.javacpp.maxbytes=200M
run hold -Dorg.bytedeco.javacpp.maxbytes=200M -Dorg.bytedeco.javacpp.maxphysicalbytes=700M
run drop -Dorg.bytedeco.javacpp.maxbytes=200M -Dorg.bytedeco.javacpp.maxphysicalbytes=700M
