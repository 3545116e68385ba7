#!/usr/bin/env bash
# Throughput benchmark (dev.lstmspark.bench.Benchmark): the network alone, whole epochs on Spark local[2] with
# parameter averaging, and the epoch's time split; writes every figure to --out (default target/bench/<time>.json).
#   jobs/bench.sh [--epochs N] [--warmup-epochs N] [--corpus FILE] [--scale N] [--out FILE.json] [--set key=value]...
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PROJECT_DIR"
# Defaults first, so a user's own --corpus, --out or --set corpus=... (the last value wins) replaces them.
defaults=()
# The reference corpus: data/timemachine.txt, else the shared copy next to the project.
if [ ! -f data/timemachine.txt ] && [ -f ../shared/data/timemachine.txt ]; then
  defaults+=(--corpus ../shared/data/timemachine.txt)
fi
defaults+=(--out "target/bench/$(date -u +%Y%m%d-%H%M%S).json")
LSTM_SPARK_JVM_OPTS="${LSTM_SPARK_BENCH_JVM_OPTS:-${LSTM_SPARK_JVM_OPTS:-}}" run_main dev.lstmspark.bench.Benchmark "${defaults[@]}" "$@"
