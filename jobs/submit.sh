#!/usr/bin/env bash
# Submits lstm-spark to an existing cluster (standalone, YARN, Kubernetes) with spark-submit.
#
#   jobs/submit.sh --master URL [spark-submit options] -- [COMMAND] [flags]
#
# COMMAND is train (the default), evaluate or generate; the flags are the command's own, e.g.
#   jobs/submit.sh --master spark://host:7077 --executor-memory 4g -- --epochs 50 --corpus hdfs:///corpora/tm.txt
#   jobs/submit.sh --master yarn --deploy-mode cluster --num-executors 8 -- --config conf/d2l-lstm.properties
#
# Uses $SPARK_HOME/bin/spark-submit, or spark-submit on the PATH; without either it runs Spark's SparkSubmit
# class from the project's own Maven classpath (enough for standalone and local-cluster masters).
# The application jar is the shaded target/lstm-spark-*-spark.jar (Spark itself is provided by the cluster);
# it is built if missing. Set LSTM_SPARK_JAR to submit another build, e.g. one made with -Pcuda.
#
# Submitted to the master jobs/cluster-up.sh started (same LSTM_SPARK_CLUSTER_DIR), the application authenticates
# with that cluster's secret file and encrypts its connections as the cluster does; the file's path, not the
# secret, is on the command line. For other clusters pass Spark's settings yourself (see README, "Security").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

submit_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do submit_args+=("$1"); shift; done
[ $# -gt 0 ] && shift
case "${1:-}" in
  train|evaluate|generate) command="$1"; shift ;;
  *) command=train ;;
esac
master=""
previous=""
for a in "${submit_args[@]+"${submit_args[@]}"}"; do
  [ "$previous" = "--master" ] && master="$a"
  case "$a" in --master=*) master="${a#--master=}" ;; esac
  previous="$a"
done
if [ -z "$master" ]; then
  echo "error: --master URL is required (spark://host:7077, yarn, k8s://https://host:6443, local-cluster[2,1,2048])" >&2
  exit 2
fi

jar="${LSTM_SPARK_JAR:-}"
if [ -z "$jar" ]; then
  jar="$(ls "$PROJECT_DIR"/target/lstm-spark-*-spark.jar 2>/dev/null | head -1 || true)"
  if [ -z "$jar" ]; then
    build_quietly package
    jar="$(ls "$PROJECT_DIR"/target/lstm-spark-*-spark.jar | head -1)"
  fi
fi
extension="$(unzip -p "$jar" dev/lstmspark/build.properties 2>/dev/null | sed -n 's/^nd4j.platform.extension=//p')"

# Each executor: heap (--executor-memory) + ND4J off-heap (maxbytes) + JVM/native overhead must fit the
# container, so memoryOverhead covers maxphysicalbytes - heap. Defaults suit 2 GB heap + 2 GB off-heap.
EXECUTOR_OFFHEAP="${LSTM_SPARK_EXECUTOR_OFFHEAP:-2G}"
EXECUTOR_OVERHEAD="${LSTM_SPARK_EXECUTOR_OVERHEAD:-3g}"
# JavaCPP refuses allocations once the whole process (heap + off-heap + native) passes this; 0 turns it off.
EXECUTOR_MAXPHYSICAL="${LSTM_SPARK_EXECUTOR_MAXPHYSICAL:-6G}"
jvm_opts="$ADD_OPENS $VECTOR_API_OPTS -Dorg.bytedeco.javacpp.platform.extension=$extension -Dorg.bytedeco.javacpp.maxbytes=$EXECUTOR_OFFHEAP -Dorg.bytedeco.javacpp.maxphysicalbytes=$EXECUTOR_MAXPHYSICAL -Dorg.deeplearning4j.spark.time.TimeSource=org.deeplearning4j.spark.time.SystemClockTimeSource"

# OpenBLAS kernels (see choose_blas_core in common.sh), probed on this host. Executors get the same
# OPENBLAS_CORETYPE through spark.executorEnv unless LSTM_SPARK_EXECUTOR_OPENBLAS_CORETYPE says otherwise (set it to
# an empty string where executors run on other CPUs than this host: a SkylakeX core on a CPU without AVX-512 fails).
# LSTM_SPARK_OPENBLAS (see choose_openblas_library) applies to the driver; executors load the file at the same path
# unless LSTM_SPARK_EXECUTOR_OPENBLAS names another (or bundled), and extract ND4J's libraries into a JavaCPP cache
# of their own in their working directory (LSTM_SPARK_EXECUTOR_OPENBLAS_CACHE), about 400 MB per executor.
# Where the file is missing on a node, JavaCPP falls back to the bundled OpenBLAS there.
choose_blas_core "$jar"
executor_blas="${LSTM_SPARK_EXECUTOR_OPENBLAS_CORETYPE-${OPENBLAS_CORETYPE:-}}"
executor_openblas="${LSTM_SPARK_EXECUTOR_OPENBLAS:-${OPENBLAS_LIBRARY:-bundled}}"
executor_openblas_opts=""
if [ "$executor_openblas" != bundled ]; then
  executor_openblas_opts="$(openblas_library_opts "$executor_openblas" "${LSTM_SPARK_EXECUTOR_OPENBLAS_CACHE:-javacpp-cache-openblas}")"
fi

confs=(
  --conf "spark.driver.extraJavaOptions=$jvm_opts $BLAS_CORE_OPTS $OPENBLAS_LIBRARY_OPTS -Dlog4j2.configurationFile=file:$PROJECT_DIR/conf/log4j2.properties"
  --conf "spark.executor.extraJavaOptions=$jvm_opts $executor_openblas_opts"
  --conf "spark.executor.memoryOverhead=$EXECUTOR_OVERHEAD"
  --conf spark.serializer=org.apache.spark.serializer.KryoSerializer
  --conf spark.kryo.registrator=org.nd4j.kryo.Nd4jRegistrator
  --conf spark.kryoserializer.buffer.max=512m
)
if [ -n "$executor_blas" ]; then
  confs+=(--conf "spark.executorEnv.OPENBLAS_CORETYPE=$executor_blas"
          --conf "spark.yarn.appMasterEnv.OPENBLAS_CORETYPE=$executor_blas"
          --conf "spark.kubernetes.driverEnv.OPENBLAS_CORETYPE=$executor_blas")
fi

# The cluster jobs/cluster-up.sh started: its secret file (read by the driver, see StandaloneAuthentication) and its
# encryption setting, which the application's own connections (driver and executors) must share.
cluster_dir="${LSTM_SPARK_CLUSTER_DIR:-$PROJECT_DIR/target/cluster}"
if [ -f "$cluster_dir/master.url" ] && [ "$master" = "$(cat "$cluster_dir/master.url")" ] && [ -f "$cluster_dir/secret" ]; then
  encryption="$(sed -n 's/^spark.network.crypto.enabled=//p' "$cluster_dir/daemon.properties")"
  fallback="$(sed -n 's/^spark.network.crypto.saslFallback=//p' "$cluster_dir/daemon.properties")"
  confs+=(
    --conf spark.authenticate=true
    --conf "spark.authenticate.secret.file=$cluster_dir/secret"
    --conf "spark.network.crypto.enabled=$encryption"
    --conf "spark.network.crypto.saslFallback=$fallback"
  )
fi

if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
  submit=("$SPARK_HOME/bin/spark-submit")
elif command -v spark-submit >/dev/null 2>&1; then
  submit=(spark-submit)
else
  ensure_built
  use_empty_spark_home "${SPARK_HOME:-$PROJECT_DIR/target/spark-home}"
  # This JVM is the driver in client mode, so it takes the driver's OpenBLAS flags itself.
  submit=(java -Xmx"$LSTM_SPARK_HEAP" $ADD_OPENS $VECTOR_API_OPTS $ND4J_OPTS $BLAS_CORE_OPTS $OPENBLAS_LIBRARY_OPTS -Dorg.bytedeco.javacpp.platform.extension=$extension -Dlog4j2.configurationFile=file:$PROJECT_DIR/conf/log4j2.properties -cp "$(cat "$PROJECT_DIR/target/classpath.txt")" org.apache.spark.deploy.SparkSubmit)
  confs+=(--conf "spark.executor.extraClassPath=$(cat "$PROJECT_DIR/target/classpath.txt")")
fi

cd "$PROJECT_DIR"
exec "${submit[@]}" --class dev.lstmspark.cli.Main "${confs[@]}" "${submit_args[@]}" "$jar" "$command" "$@"
