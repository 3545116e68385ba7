package dev.lstmspark.model.fused;

import java.lang.ref.WeakReference;
import java.lang.reflect.Array;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * The working memory of a fused layer's forward and backward pass, kept per thread and per layer shape so that a
 * new layer instance of the same shape reuses it instead of allocating its own.
 *
 * <p>Why: DL4J's parameter averaging builds a new network in every worker for every averaging round, and a fused
 * LSTM at d2l's shape needs about 40 MB of buffers (mostly multi-megabyte arrays, which G1 allocates as humongous
 * objects). Allocated per layer instance, that churn started a concurrent G1 cycle every few hundred milliseconds
 * and cost the whole-epoch benchmark about a fifth of its speed. DL4J's own workspaces are per thread for the same
 * reason.
 *
 * <p>Ownership. Nothing in this memory outlives one forward pass and the backward pass after it (states travel in
 * DL4J's state maps, parameters in DL4J's arrays), so a layer {@linkplain #claim claims} its thread's memory at the
 * start of a forward pass, taking it from any earlier holder. A layer whose memory was claimed by another before
 * its backward pass sees it through {@link #isHeldBy} and recomputes its forward pass, as it does for any
 * backward pass without a kept forward pass. The memory is confined to the thread that allocated it: a layer
 * running on another thread claims that thread's own.
 */
final class ScratchMemory {

    /** Shapes kept per thread; beyond this the least recently claimed is dropped (generation and evaluation vary them). */
    static final int SHAPES_PER_THREAD = 8;

    private static final ThreadLocal<Map<Key, ScratchMemory>> BY_THREAD = ThreadLocal.withInitial(() ->
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Key, ScratchMemory> eldest) {
                    return size() > SHAPES_PER_THREAD;
                }
            });

    /**
     * What one layer's memory depends on: the layer's class and position in its network (two stacked layers of the
     * same shape must not share), its sizes, input kind and data type, and the minibatch shape.
     */
    record Key(String layerClass, int layerIndex, int nIn, int hidden, boolean indexInput, DataType dataType,
               int batch, int steps) {
    }

    private final Thread thread = Thread.currentThread();
    private final Map<String, Object> buffers = new HashMap<>();
    /** Weak: the memory must not keep a discarded network (a finished averaging round's) reachable. */
    private WeakReference<Object> holder;
    private long allocatedElements;

    private ScratchMemory() {
    }

    /** This thread's memory for {@code key}, now held by {@code layer}; empty buffers are created on first use. */
    static ScratchMemory claim(Key key, Object layer) {
        ScratchMemory memory = BY_THREAD.get().computeIfAbsent(key, k -> new ScratchMemory());
        memory.holder = new WeakReference<>(Objects.requireNonNull(layer));
        return memory;
    }

    /** Elements allocated so far by this thread's memories, all shapes and kinds together (for tests). */
    static long allocatedElementsOnThisThread() {
        long total = 0;
        for (ScratchMemory memory : BY_THREAD.get().values()) {
            total += memory.allocatedElements;
        }
        return total;
    }

    /** Whether {@code layer} claimed this memory last and runs on the thread it belongs to. */
    boolean isHeldBy(Object layer) {
        return thread == Thread.currentThread() && holder != null && holder.get() == layer;
    }

    double[] doubles(String name, int length) {
        return array(name, length, double[].class, double[]::new);
    }

    float[] floats(String name, int length) {
        return array(name, length, float[].class, float[]::new);
    }

    int[] ints(String name, int length) {
        return array(name, length, int[].class, int[]::new);
    }

    /** The heap array {@code name} of {@code type} and {@code length}, created (zeroed) unless it exists. */
    private <A> A array(String name, int length, Class<A> type, IntFunction<A> create) {
        Object buffer = buffers.get(name);
        if (type.isInstance(buffer) && Array.getLength(buffer) == length) {
            return type.cast(buffer);
        }
        A array = create.apply(length);
        put(name, array, length);
        return array;
    }

    NativeBuffer nativeBuffer(String name, DataType dataType, long length) {
        Object buffer = buffers.get(name);
        if (buffer instanceof NativeBuffer existing && existing.length() == Math.max(length, 1)
                && existing.array().dataType() == dataType) {
            return existing;
        }
        NativeBuffer created = NativeBuffer.allocate(dataType, length);
        put(name, created, created.length());
        return created;
    }

    private void put(String name, Object buffer, long length) {
        if (holder == null) {
            throw new IllegalStateException("scratch memory used before it was claimed");
        }
        buffers.put(name, buffer);
        allocatedElements += length;
    }
}
