# Shared by the jobs/ scripts: project paths, JVM options and the local classpath. Source it, don't run it.
PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Java 17 closes these packages; Spark and ND4J reach into them.
ADD_OPENS=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  ADD_OPENS="$ADD_OPENS --add-opens=java.base/$p=ALL-UNNAMED"
done
export ADD_OPENS

# The fused layers' time steps run in Java through the Vector API, an incubator module on Java 17 that a JVM has only
# with this flag (dev.lstmspark.model.fused.VectorApi); without it they run on OpenBLAS, about a third slower, with
# the same results within float rounding. Every JVM that trains gets it (each prints one "Using incubator modules"
# warning as it starts); LSTM_SPARK_VECTOR_API=off leaves it out.
case "${LSTM_SPARK_VECTOR_API:-on}" in
  on) VECTOR_API_OPTS="--add-modules=jdk.incubator.vector" ;;
  off) VECTOR_API_OPTS="" ;;
  *) echo "error: LSTM_SPARK_VECTOR_API=$LSTM_SPARK_VECTOR_API: give on (the default) or off" >&2; exit 1 ;;
esac
export VECTOR_API_OPTS

# ND4J allocates off-heap; JavaCPP refuses allocations past these limits instead of letting the OS kill the JVM.
# Budget: JVM heap + ND4J off-heap <= machine memory. Override with LSTM_SPARK_HEAP / LSTM_SPARK_OFFHEAP.
LSTM_SPARK_HEAP="${LSTM_SPARK_HEAP:-4g}"
LSTM_SPARK_OFFHEAP="${LSTM_SPARK_OFFHEAP:-4G}"
ND4J_OPTS="-Dorg.bytedeco.javacpp.maxbytes=$LSTM_SPARK_OFFHEAP -Dorg.bytedeco.javacpp.maxphysicalbytes=$(( ${LSTM_SPARK_OFFHEAP%G} * 2 + ${LSTM_SPARK_HEAP%g} ))G"

# Embedded Spark runs one task per core, and each task's ND4J ops would start native threads for every core
# again: on 2 cores that oversubscription made training 2.4x slower (jobs/bench.sh, local[2]: about 7,200 vs
# 17,500 tokens/s). One native thread per task is the default; set OMP_NUM_THREADS to override.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

# Runs mvn -DskipTests GOAL quietly; on failure shows the end of its log and exits.
build_quietly() {
  local goal="$1" log
  echo "building lstm-spark (mvn -DskipTests $goal) ..." >&2
  log="$(mktemp)"
  if ! (cd "$PROJECT_DIR" && mvn -B -q -Dstyle.color=never -DskipTests "$goal") > "$log" 2>&1; then
    tail -40 "$log" >&2
    echo "error: build failed (full log: $log)" >&2
    exit 1
  fi
  rm -f "$log"
}

# Points SPARK_HOME at DIR with an empty jars/ folder: Spark's launchers want one, and the project's own
# resolved jars (target/classpath.txt) are the classpath instead of a Spark download.
use_empty_spark_home() {
  export SPARK_HOME="$1"
  export SPARK_SCALA_VERSION=2.12
  mkdir -p "$SPARK_HOME/jars"
}

# Builds the application and writes target/classpath.txt (Spark included) unless both are up to date.
# LSTM_SPARK_SKIP_BUILD=1 uses target/ as it is (e.g. from inside a Maven build, which has just made it).
ensure_built() {
  local stamp="$PROJECT_DIR/target/.local-build"
  if [ "${LSTM_SPARK_SKIP_BUILD:-0}" = 1 ] && [ -f "$PROJECT_DIR/target/classpath.txt" ]; then
    :
  elif [ ! -f "$stamp" ] || [ ! -f "$PROJECT_DIR/target/classpath.txt" ] \
     || [ -n "$(find "$PROJECT_DIR/src/main" "$PROJECT_DIR/pom.xml" -newer "$stamp" -print -quit)" ]; then
    build_quietly prepare-package
    touch "$stamp"
  fi
  LOCAL_CLASSPATH="$PROJECT_DIR/target/classes:$(cat "$PROJECT_DIR/target/classpath.txt")"
}

# Which OpenBLAS build ND4J loads. LSTM_SPARK_OPENBLAS=bundled (the default: the 0.3.19 inside ND4J 1.0.0-M2.1),
# system (the libopenblas.so.0 ldconfig knows, e.g. Debian 12's libopenblas0-pthread 0.3.21) or the path of a
# libopenblas*.so* file. JavaCPP is pointed at that file instead of its bundled copy, with a JavaCPP cache of its
# own: in the shared one (~/.javacpp/cache) it would link the bundled library's name to the other build, and every
# later JVM would silently run that. Sets OPENBLAS_LIBRARY (the resolved file; empty for bundled) and
# OPENBLAS_LIBRARY_OPTS (the JVM flags); returns 1 after one error line when the choice is unusable.
# choose_openblas_library [CHOICE]
choose_openblas_library() {
  local choice="${1:-${LSTM_SPARK_OPENBLAS:-bundled}}" file
  OPENBLAS_LIBRARY=""
  OPENBLAS_LIBRARY_OPTS=""
  case "$choice" in
    bundled) return 0 ;;
    system)
      # ldconfig lists every architecture's copy; on x86-64 take the 64-bit one.
      file="$( { ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null \
        | awk -v arch="$(uname -m)" '$1 == "libopenblas.so.0" && (arch != "x86_64" || /x86-64/) { print $NF; exit }')"
      if [ -z "$file" ]; then
        echo "error: LSTM_SPARK_OPENBLAS=system: ldconfig lists no libopenblas.so.0 here; install one (Debian/Ubuntu: apt-get install libopenblas0-pthread), give the path of a libopenblas*.so* file, or unset LSTM_SPARK_OPENBLAS for the bundled OpenBLAS" >&2
        return 1
      fi ;;
    *) file="$choice" ;;
  esac
  if ! file="$(readlink -f -- "$file")" || [ ! -f "$file" ]; then
    echo "error: LSTM_SPARK_OPENBLAS=$choice: no such file; give the path of a libopenblas*.so* file, system, or bundled" >&2
    return 1
  fi
  OPENBLAS_LIBRARY="$file"
  OPENBLAS_LIBRARY_OPTS="$(openblas_library_opts "$file" "${LSTM_SPARK_OPENBLAS_CACHE:-$HOME/.javacpp/cache-openblas-other}")" || return 1
}

# The JVM flags that make JavaCPP load OpenBLAS from FILE (a lib*.so* name; the version suffix, e.g. .0, is
# JavaCPP's "@" tag), extracting into CACHEDIR. openblas_library_opts FILE CACHEDIR
openblas_library_opts() {
  local file="$1" cachedir="$2" base name version
  base="$(basename -- "$file")"
  if [[ ! "$base" =~ ^lib(.+)\.so(\..*)?$ ]]; then
    echo "error: LSTM_SPARK_OPENBLAS: $file is not named like a shared library (lib*.so*); give the path of a libopenblas*.so* file" >&2
    return 1
  fi
  name="${BASH_REMATCH[1]}"
  version="${BASH_REMATCH[2]}"
  if [[ "$file$cachedir" =~ [[:space:]] ]]; then
    echo "error: LSTM_SPARK_OPENBLAS: $file or its cache $cachedir has a space in its path, which JVM flags cannot carry here; link the library from a path without one" >&2
    return 1
  fi
  name="$name${version:+@$version}"
  echo "-Dorg.bytedeco.openblas_nolapack.load=$name -Dorg.bytedeco.openblas.load=$name -Djava.library.path=$(dirname -- "$file") -Dorg.bytedeco.javacpp.pathsFirst=true -Dorg.bytedeco.javacpp.cachedir=$cachedir -Dlstmspark.blas.library=$file"
}

# OpenBLAS kernels for the CPU's real instruction set (see dev.lstmspark.executor.BlasCore): the bundled OpenBLAS
# 0.3.19 falls back to its SSE3 "Prescott" kernels on CPUs newer than it, 4x slower at this model's GEMMs on an
# AVX-512 Xeon. Unless OPENBLAS_CORETYPE is set, probe once per CPU and OpenBLAS build (a JVM of its own, cached
# under target/) and export SkylakeX or Haswell when OpenBLAS would fall back. Chooses the build first
# (choose_openblas_library) and fails when LSTM_SPARK_OPENBLAS names one that does not load; that check runs even
# when the user set OPENBLAS_CORETYPE, since JavaCPP falls back to the bundled build without a word. Sets
# BLAS_CORE_OPTS (-D flags for the report) and OPENBLAS_LIBRARY_OPTS. choose_blas_core CLASSPATH
choose_blas_core() {
  local classpath="$1" key cache recommended chosen loaded users_core="${OPENBLAS_CORETYPE:-}"
  choose_openblas_library || return 1
  BLAS_CORE_OPTS="${users_core:+-Dlstmspark.blas.core=$users_core}"
  [ -n "$users_core" ] && [ -z "$OPENBLAS_LIBRARY" ] && return 0
  key="$( (grep -m1 '^model name' "${LSTM_SPARK_CPUINFO:-/proc/cpuinfo}"; grep -m1 '^flags' "${LSTM_SPARK_CPUINFO:-/proc/cpuinfo}"; echo "${OPENBLAS_LIBRARY:-bundled}") 2>/dev/null | cksum | cut -d' ' -f1)"
  cache="$PROJECT_DIR/target/.blas-core-$key"
  if [ ! -s "$cache" ]; then
    mkdir -p "$PROJECT_DIR/target"
    # Without the user's OPENBLAS_CORETYPE: the cached answer is OpenBLAS's own choice for this CPU and build.
    env -u OPENBLAS_CORETYPE java $OPENBLAS_LIBRARY_OPTS -cp "$classpath" dev.lstmspark.executor.BlasCore > "$cache.$$" 2>/dev/null && mv "$cache.$$" "$cache"
    rm -f "$cache.$$"
  fi
  [ -s "$cache" ] || return 0
  read -r recommended chosen loaded < "$cache"
  if [ -n "$OPENBLAS_LIBRARY" ] && [ "$loaded" != "$OPENBLAS_LIBRARY" ]; then
    rm -f "$cache"
    echo "error: LSTM_SPARK_OPENBLAS=${LSTM_SPARK_OPENBLAS:-}: JavaCPP did not load $OPENBLAS_LIBRARY (it loaded the bundled OpenBLAS); give a libopenblas*.so* file built for this machine, or unset LSTM_SPARK_OPENBLAS" >&2
    return 1
  fi
  [ -n "$users_core" ] && return 0
  if [ "$recommended" != "-" ]; then
    export OPENBLAS_CORETYPE="$recommended"
    BLAS_CORE_OPTS="-Dlstmspark.blas.core=$recommended -Dlstmspark.blas.replaced=$chosen"
  else
    BLAS_CORE_OPTS="-Dlstmspark.blas.core=$chosen"
  fi
}

# Runs a main class on the local classpath with embedded Spark: run_main CLASS [args]; extra JVM flags in
# LSTM_SPARK_JVM_OPTS (e.g. a profiler agent).
run_main() {
  local main="$1"
  shift
  ensure_built
  choose_blas_core "$LOCAL_CLASSPATH"
  exec java -Xmx"$LSTM_SPARK_HEAP" $ND4J_OPTS $ADD_OPENS $VECTOR_API_OPTS $BLAS_CORE_OPTS $OPENBLAS_LIBRARY_OPTS ${LSTM_SPARK_JVM_OPTS:-} \
    -Dlog4j2.configurationFile="$PROJECT_DIR/conf/log4j2.properties" \
    -cp "$LOCAL_CLASSPATH" "$main" "$@"
}

# Runs the CLI: run_cli train|evaluate|generate [flags].
run_cli() {
  run_main dev.lstmspark.cli.Main "$@"
}
