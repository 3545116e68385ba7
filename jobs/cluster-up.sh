#!/usr/bin/env bash
# Starts a Spark standalone cluster on loopback from the project's own resolved jars (no Spark download):
# one master and N workers, each a separate JVM, so executors run as real separate processes.
#
#   jobs/cluster-up.sh [N_WORKERS]          (default 2; prints the master URL, e.g. spark://127.0.0.1:7077)
#
# Environment: LSTM_SPARK_CLUSTER_DIR (default target/cluster: pids/, logs/, work/ with executor logs),
# SPARK_MASTER_PORT (7077), SPARK_MASTER_WEBUI_PORT (8080), SPARK_WORKER_CORES (1), SPARK_WORKER_MEMORY (3g),
# LSTM_SPARK_RPC_ENCRYPTION (true: AES encryption of every connection, about 1% of an epoch's CPU as measured in
# README "Security"; false: authentication only).
# Idempotent: if this cluster is already up it only prints its URL. Stop it with jobs/cluster-down.sh.
#
# Security (Spark's is off by default): every start writes a fresh random secret to <cluster dir>/secret, readable
# by its owner only, and the master and workers accept only connections that prove they know it
# (spark.authenticate); jobs/submit.sh hands it to applications submitted to this master. The secret reaches the
# daemons in <cluster dir>/daemon.properties, never on a command line. The master's REST submission server (which
# cannot authenticate) is off, and the web UIs listen on loopback only, with their kill and decommission actions off.
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
# The secret, the logs and the executors' work folders are the owner's alone.
umask 077
mkdir -p "$cluster_dir/pids" "$cluster_dir/logs" "$cluster_dir/work"
chmod 700 "$cluster_dir"

# 32 random bytes as hex text. Spark uses a secret file's bytes, base64-encoded, as the secret (on Kubernetes, and
# here through dev.lstmspark.security.StandaloneAuthentication), so the daemons get exactly that.
secret_file="$cluster_dir/secret"
rm -f "$secret_file"
od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$secret_file"
encryption="${LSTM_SPARK_RPC_ENCRYPTION:-true}"
case "$encryption" in
  true|false) ;;
  *) echo "error: LSTM_SPARK_RPC_ENCRYPTION must be true or false, got '$encryption'" >&2; exit 2 ;;
esac
daemon_conf="$cluster_dir/daemon.properties"
{
  echo "spark.authenticate=true"
  echo "spark.authenticate.secret=$(base64 -w0 < "$secret_file")"
  echo "spark.network.crypto.enabled=$encryption"
  # With encryption on, no client may fall back to the older SASL handshake, which would leave the connection plain.
  echo "spark.network.crypto.saslFallback=$([ "$encryption" = true ] && echo false || echo true)"
  echo "spark.master.rest.enabled=false"
  echo "spark.ui.killEnabled=false"
  echo "spark.master.ui.decommission.allow.mode=DENY"
} > "$daemon_conf"
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
  --host 127.0.0.1 --port "$port" --webui-port "$webui_port" --properties-file "$daemon_conf" \
  > "$cluster_dir/logs/master.log" 2>&1 &
echo $! > "$cluster_dir/pids/master.pid"
echo "$master_url" > "$cluster_dir/master.url"
wait_for_port "$port"

for i in $(seq 1 "$workers"); do
  nohup java -Xmx512m $ADD_OPENS -cp "$classpath" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores "$cores" --memory "$memory" --webui-port 0 \
    --work-dir "$cluster_dir/work" --properties-file "$daemon_conf" "$master_url" > "$cluster_dir/logs/worker-$i.log" 2>&1 &
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
