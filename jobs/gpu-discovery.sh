#!/usr/bin/env bash
# Spark resource discovery script for NVIDIA GPUs. Prints the GPUs of this host in the JSON Spark expects:
#
#   {"name": "gpu", "addresses": ["0","1"]}
#
# Point spark.executor.resource.gpu.discoveryScript (and, in standalone mode, spark.worker.resource.gpu.discoveryScript)
# at it; it must be executable at that path on every node. The addresses are nvidia-smi indices, which ignore
# CUDA_VISIBLE_DEVICES; dev.lstmspark.executor.GpuBinding maps the one Spark assigns to a task onto ND4J's CUDA ordinal.
#
# Spark runs this only when GPUs were requested, so a host without usable GPUs is a configuration error: the script
# then exits 1 with one line on stderr, and Spark refuses to start the executor instead of running it without a GPU.
# Apart from nvidia-smi (and timeout, when present) it uses only bash builtins, so it runs in minimal images.
set -euo pipefail

fail() {
  echo "gpu-discovery.sh: $*" >&2
  exit 1
}

command -v nvidia-smi >/dev/null 2>&1 \
  || fail "nvidia-smi not found on PATH; GPUs were requested but this host has no NVIDIA driver utilities"

# A wedged driver can make nvidia-smi hang; bound it so that the executor fails to start instead of hanging.
timeout_seconds="${GPU_DISCOVERY_TIMEOUT_SECONDS:-60}"
query=(nvidia-smi --query-gpu=index "--format=csv,noheader")
if command -v timeout >/dev/null 2>&1; then
  query=(timeout "$timeout_seconds" "${query[@]}")
fi

# nvidia-smi reports driver failures on stdout, so both streams are kept for the error message.
set +e
output="$("${query[@]}" 2>&1)"
status=$?
set -e
first_line="${output%%$'\n'*}"
if [ "$status" -eq 124 ] && [ "${query[0]}" = timeout ]; then
  fail "nvidia-smi did not answer within ${timeout_seconds} s"
elif [ "$status" -ne 0 ]; then
  fail "nvidia-smi failed (exit $status): ${first_line:-no output}"
fi

addresses=""
while IFS= read -r line; do
  index="${line//[[:space:]]/}"
  [ -z "$index" ] && continue
  [[ "$index" =~ ^[0-9]+$ ]] || fail "unexpected nvidia-smi output, not a GPU index: $line"
  addresses="${addresses:+$addresses,}\"$index\""
done <<< "$output"
[ -n "$addresses" ] || fail "nvidia-smi lists no GPUs"

printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
