#!/usr/bin/env bash
# Continues a prefix with a trained model: jobs/generate.sh --model DIR --prefix TEXT [--length N] [--temperature T]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
run_cli generate "$@"
