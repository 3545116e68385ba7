#!/usr/bin/env bash
# Starts a Spark standalone cluster on loopback from the project's own resolved jars (no Spark download):
# one master and N workers, each a separate JVM, so executors run as real separate processes.
#
#   jobs/cluster-up.sh [N_WORKERS]          (default 2; prints the master URL, e.g. spark://127.0.0.1:7077)
#
# Environment: LSTM_SPARK_CLUSTER_DIR (default target/cluster: pids/, logs/, work/ with executor logs),
# SPARK_MASTER_PORT (7077), SPARK_MASTER_WEBUI_PORT (8080), SPARK_WORKER_CORES (1), SPARK_WORKER_MEMORY (3g).
# Idempotent: if this cluster is already up it only prints its URL. Stop it with jobs/cluster-down.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

workers="${1:-2}"
cluster_dir="${LSTM_SPARK_CLUSTER_DIR:-$PROJECT_DIR/target/cluster}"
port="${SPARK_MASTER_PORT:-7077}"
webui_port="${SPARK_MASTER_WEBUI_PORT:-8080}"
cores="${SPARK_WORKER_CORES:-1}"
memory="${SPARK_WORKER_MEMORY:-3g}"
master_url="spark://127.0.0.1:$port"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if alive "$cluster_dir/pids/master.pid"; then
  cat "$cluster_dir/master.url"
  exit 0
fi

ensure_built
mkdir -p "$cluster_dir/pids" "$cluster_dir/logs" "$cluster_dir/work"
# Workers launch executors with $SPARK_HOME/jars on the classpath; ours is empty and the submitted
# application adds the project's classpath through spark.executor.extraClassPath (see jobs/submit.sh).
use_empty_spark_home "$cluster_dir/spark-home"
export SPARK_LOCAL_IP=127.0.0.1
classpath="$(cat "$PROJECT_DIR/target/classpath.txt")"
# Workers start their executors with their own environment, so OPENBLAS_CORETYPE reaches the executors too.
choose_blas_core "$LOCAL_CLASSPATH"

wait_for_port() {
  for _ in $(seq 1 120); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.5
  done
  echo "error: nothing listens on 127.0.0.1:$1 after 60 s; see $cluster_dir/logs/" >&2
  return 1
}

nohup java -Xmx512m $ADD_OPENS -cp "$classpath" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$port" --webui-port "$webui_port" > "$cluster_dir/logs/master.log" 2>&1 &
echo $! > "$cluster_dir/pids/master.pid"
echo "$master_url" > "$cluster_dir/master.url"
wait_for_port "$port"

for i in $(seq 1 "$workers"); do
  nohup java -Xmx512m $ADD_OPENS -cp "$classpath" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores "$cores" --memory "$memory" --webui-port 0 \
    --work-dir "$cluster_dir/work" "$master_url" > "$cluster_dir/logs/worker-$i.log" 2>&1 &
  echo $! > "$cluster_dir/pids/worker-$i.pid"
done

# Ready when the master's status page lists every worker as ALIVE.
alive_workers() {
  curl -s "http://127.0.0.1:$webui_port/json/" 2>/dev/null | grep -c '"state" : "ALIVE"' || true
}
for _ in $(seq 1 120); do
  [ "$(alive_workers)" -ge "$workers" ] && break
  sleep 0.5
done
if [ "$(alive_workers)" -lt "$workers" ]; then
  echo "error: only $(alive_workers) of $workers workers registered with $master_url; see $cluster_dir/logs/" >&2
  exit 1
fi
echo "$master_url"
