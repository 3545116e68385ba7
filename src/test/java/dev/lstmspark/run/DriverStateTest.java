package dev.lstmspark.run;

import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.store.CheckpointState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DriverStateTest {

    private static final TrainConfig AUTO = ConfigLoader.load(null, Map.of());

    @Test
    void aRecordedAveragingFrequencyIsWhatTheRunTrainedWith() {
        CheckpointState state = new CheckpointState(Map.of(DriverState.WORKERS, "2", DriverState.AVERAGING_FREQUENCY, "7"), Map.of());
        assertEquals(7, DriverState.averagingFrequency(state, AUTO, 2));
    }

    @Test
    void checkpointsBeforeTheRecordTrainedWithTheAutoOfTheirDay() {
        CheckpointState old = new CheckpointState(Map.of(DriverState.WORKERS, "2"), Map.of());
        assertEquals(List.of(5, 5, 5, 5, 4, 2, 1, 1), IntStream.of(1, 2, 3, 4, 5, 8, 16, 64)
                .map(w -> DriverState.averagingFrequency(old, AUTO, w)).boxed().toList());
        TrainConfig set = ConfigLoader.load(null, Map.of("averaging-frequency", "3"));
        assertEquals(3, DriverState.averagingFrequency(old, set, 2), "a number the run set is what it trained with");
    }
}
