package dev.lstmspark.executor;

import org.apache.spark.TaskContext;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gives ND4J as many threads as Spark gave the task cores ({@code spark.task.cpus}, 1 by default).
 *
 * <p>ND4J sizes its native thread pool to every core of the machine, but Spark already runs one task per core:
 * on {@code local[2]} two training tasks each ran two-thread ND4J ops on two cores, four busy threads that spin
 * and wait on each other, and on a machine shared with other work ND4J's multi-threaded ops slowed down several
 * times. One thread per task core keeps parallelism where Spark put it. An {@code OMP_NUM_THREADS} set by the
 * user wins: then nothing is changed, and so does {@code -Dlstmspark.task-threads=off} (for comparisons).
 */
public final class TaskThreads {

    private TaskThreads() {
    }

    /** Threads for a task with {@code taskCpus} cores, or 0 to leave ND4J alone (the user set OMP_NUM_THREADS). */
    static int threadsFor(int taskCpus, String ompNumThreads) {
        if (ompNumThreads != null && !ompNumThreads.isBlank()) {
            return 0;
        }
        return Math.max(1, taskCpus);
    }

    /** Applies {@link #threadsFor} inside a Spark task; outside a task (the driver) does nothing. */
    public static void limitToTaskCores() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return;
        }
        int threads = threadsFor(task.cpus(), System.getenv("OMP_NUM_THREADS"));
        if (threads > 0 && !"off".equals(System.getProperty("lstmspark.task-threads"))) {
            Environment env = Nd4j.getEnvironment();
            if (env.maxThreads() != threads) {
                env.setMaxThreads(threads);
            }
            if (env.maxMasterThreads() != threads) {
                env.setMaxMasterThreads(threads);
            }
        }
    }
}
