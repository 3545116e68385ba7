package dev.lstmspark.executor;

/** What every training and validation task does on its executor before ND4J creates its first array. */
public final class ExecutorTask {

    private ExecutorTask() {
    }

    /**
     * Binds ND4J to the GPU Spark assigned the task (if any), sizes its threads to the task's cores, and warns once
     * per executor when the OpenBLAS build the launch script asked for is not the one that loaded.
     */
    public static void prepare() {
        GpuBinding.bindCurrentThread();
        TaskThreads.limitToTaskCores();
        BlasCore.warnIfRequestedBuildMissing();
    }
}
