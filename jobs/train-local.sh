#!/usr/bin/env bash
# Trains on embedded Spark (local[*]); every flag is passed to `train`, e.g. --epochs 3 --config conf/d2l-lstm.properties
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PROJECT_DIR"
run_cli train "$@"
