#!/usr/bin/env bash
# Perplexity of a trained model on a corpus, on embedded Spark: jobs/evaluate.sh --model DIR --corpus PATH
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_cli evaluate "$@"
