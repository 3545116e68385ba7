package dev.lstmspark.executor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TaskThreadsTest {

    @Test
    void oneThreadPerTaskCore() {
        assertEquals(1, TaskThreads.threadsFor(1, null));
        assertEquals(4, TaskThreads.threadsFor(4, ""));
        assertEquals(1, TaskThreads.threadsFor(0, null));
    }

    @Test
    void userSetOmpNumThreadsIsLeftAlone() {
        assertEquals(0, TaskThreads.threadsFor(1, "2"));
    }

    @Test
    void outsideASparkTaskNothingChanges() {
        TaskThreads.limitToTaskCores(); // the driver: no TaskContext, must not throw or touch ND4J
    }
}
