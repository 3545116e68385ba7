#!/usr/bin/env bash
# Stops the loopback cluster started by jobs/cluster-up.sh: workers (and their executors), then the master.
# Idempotent; leaves logs and executor work folders in place for inspection.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cluster_dir="${LSTM_SPARK_CLUSTER_DIR:-$PROJECT_DIR/target/cluster}"

stop_pid_file() {
  local file="$1"
  [ -f "$file" ] || return 0
  local pid
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

for f in "$cluster_dir"/pids/worker-*.pid; do [ -e "$f" ] && stop_pid_file "$f"; done
# A worker stopping kills its executors; any executor JVM still running on this cluster's SPARK_HOME goes too.
for pid in $(pgrep -f -- "$cluster_dir/spark-home" || true); do kill -9 "$pid" 2>/dev/null || true; done
stop_pid_file "$cluster_dir/pids/master.pid"
rm -f "$cluster_dir/master.url"
# A stopped cluster's secret opens nothing; the next cluster-up.sh makes a new one.
rm -f "$cluster_dir/secret" "$cluster_dir/daemon.properties"
echo "cluster in $cluster_dir stopped"
