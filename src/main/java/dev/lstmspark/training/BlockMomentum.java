package dev.lstmspark.training;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Block momentum on the driver between parameter-averaging rounds: BMUF (Chen and Huo, "Scalable training of deep
 * learning machines by incremental block training with intra-block parallel optimization and blockwise
 * model-update filtering", ICASSP 2016), the same family as SlowMo (Wang et al., ICLR 2020).
 *
 * <p>Why: with {@code w} workers each fitting {@code k} minibatches from the same broadcast, the average of their
 * displacements moves the model about as far as one worker's {@code k} steps, so plain averaging makes an epoch
 * learn about {@code 1/w} as much as one worker would. Block momentum treats each round's averaged displacement
 * {@code G} as a gradient step of a slower optimizer:
 * <pre>
 *   G = averaged - broadcast;   delta = momentum * delta + blockLr * G;   W = W + delta
 *   next broadcast = W + momentum * delta  (Nesterov)   or   W
 * </pre>
 * With {@code momentum = 1 - 1/w} and {@code blockLr = 1} the steady-state step is {@code w G}: a round moves the
 * model about as far as {@code w k} single-worker steps, the papers' defaults.
 *
 * <p>{@code W} and {@code delta} live on the driver and go into every checkpoint, so a resumed run continues
 * exactly. All arithmetic is on the network's float32 parameter vectors, in place, in a fixed order.
 */
public final class BlockMomentum {
    /** Names of the state arrays in a checkpoint. */
    public static final String WEIGHTS = "block-momentum-weights";
    public static final String DELTA = "block-momentum-delta";

    private final double momentum;
    private final double blockLr;
    private final boolean nesterov;
    private final INDArray weights;
    private final INDArray delta;

    /**
     * @param weights the model {@code W} (copied)
     * @param delta   the filtered update {@code delta} (copied); zeros for a new run
     */
    public BlockMomentum(double momentum, double blockLr, boolean nesterov, INDArray weights, INDArray delta) {
        if (!(momentum >= 0 && momentum < 1) || !(blockLr > 0) || Double.isInfinite(blockLr)) {
            throw new IllegalArgumentException("block momentum needs momentum in [0, 1) and blockLr > 0, got "
                    + momentum + " and " + blockLr);
        }
        if (!java.util.Arrays.equals(weights.shape(), delta.shape())) {
            throw new IllegalArgumentException("weights and delta differ in shape");
        }
        this.momentum = momentum;
        this.blockLr = blockLr;
        this.nesterov = nesterov;
        this.weights = weights.dup();
        this.delta = delta.dup();
    }

    /** A new run's block momentum, starting from the network's initial parameters with no update yet. */
    public static BlockMomentum start(double momentum, double blockLr, boolean nesterov, INDArray initialParams) {
        return new BlockMomentum(momentum, blockLr, nesterov, initialParams, initialParams.like().assign(0));
    }

    /** Plain parameter averaging is block momentum 0 with block learning rate 1: nothing for the driver to do. */
    public static boolean isPlainAveraging(double momentum, double blockLr) {
        return momentum == 0 && blockLr == 1;
    }

    /**
     * Takes the network's parameters as {@code W} at the start of an epoch. Between epochs the network holds
     * {@code W} (it is what is validated, checkpointed and saved), so this is a no-op unless something changed the
     * network in between, which training must then follow (as it would without block momentum).
     */
    public void startFrom(INDArray network) {
        weights.assign(network);
    }

    /** The parameters the next round starts from: {@code W + momentum * delta} (Nesterov) or {@code W}. */
    public INDArray broadcast() {
        return nesterov ? weights.add(delta.mul(momentum)) : weights.dup();
    }

    /**
     * Folds in one round: the workers started from {@code broadcast} and their average ended at {@code averaged}.
     */
    public void update(INDArray broadcast, INDArray averaged) {
        INDArray g = averaged.sub(broadcast);
        delta.muli(momentum).addi(g.muli(blockLr));
        weights.addi(delta);
    }

    /** The model {@code W}: what is validated, checkpointed and saved. */
    public INDArray weights() {
        return weights.dup();
    }

    public INDArray delta() {
        return delta.dup();
    }

    public double momentum() {
        return momentum;
    }

    public double blockLr() {
        return blockLr;
    }

    public boolean nesterov() {
        return nesterov;
    }
}
