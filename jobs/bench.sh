#!/usr/bin/env bash
# Throughput benchmark (dev.lstmspark.bench.Benchmark): the network alone, whole epochs on Spark local[2] with
# parameter averaging, and the epoch's time split; writes every figure to --out (default target/bench/<time>.json).
#   jobs/bench.sh [--epochs N] [--warmup-epochs N] [--corpus FILE] [--scale N] [--out FILE.json] [--set key=value]...
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PROJECT_DIR"
args=("$@")
# The reference corpus: data/timemachine.txt, else the shared copy next to the project, unless --corpus is given.
if [[ " $* " != *" --corpus "* ]] && [ ! -f data/timemachine.txt ] && [ -f ../shared/data/timemachine.txt ]; then
  args+=(--corpus ../shared/data/timemachine.txt)
fi
if [[ " $* " != *" --out "* ]]; then
  args+=(--out "target/bench/$(date -u +%Y%m%d-%H%M%S).json")
fi
ensure_built
exec java -Xmx"$LSTM_SPARK_HEAP" $ND4J_OPTS $ADD_OPENS ${LSTM_SPARK_BENCH_JVM_OPTS:-} \
  -Dlog4j2.configurationFile="$PROJECT_DIR/conf/log4j2.properties" \
  -cp "$LOCAL_CLASSPATH" dev.lstmspark.bench.Benchmark "${args[@]}"
