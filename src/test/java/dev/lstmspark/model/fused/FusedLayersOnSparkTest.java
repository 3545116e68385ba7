package dev.lstmspark.model.fused;

import java.util.ArrayList;
import java.util.List;

import dev.lstmspark.TestSupport;
import dev.lstmspark.model.gru.Gru;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J's Spark parameter averaging with fused layers, as lstm-spark trains: the workers rebuild the network from its
 * JSON configuration and the broadcast flat parameters, fit, and return flat parameters that the driver averages.
 * From the same parameters on the same minibatches the fused network must end where the stock one does.
 */
class FusedLayersOnSparkTest {

    private static final int VOCAB = 5;
    private static final int HIDDEN = 12;
    private static final int STEPS = 10;

    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        sc = TestSupport.spark("local[2]");
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    /** Minibatches of a period-5 sequence: token indices or their one-hot vectors in, one-hot next tokens out. */
    private static List<DataSet> minibatches(int count, boolean indices) {
        List<DataSet> list = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            INDArray x = Nd4j.zeros(DataType.FLOAT, 4, indices ? 1 : VOCAB, STEPS);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 4, VOCAB, STEPS);
            for (int b = 0; b < 4; b++) {
                for (int t = 0; t < STEPS; t++) {
                    int token = (m + b + t) % VOCAB;
                    if (indices) {
                        x.putScalar(new long[] {b, 0, t}, token);
                    } else {
                        x.putScalar(new long[] {b, token, t}, 1.0);
                    }
                    y.putScalar(new long[] {b, (token + 1) % VOCAB, t}, 1.0);
                }
            }
            list.add(new DataSet(x, y));
        }
        return list;
    }

    private static MultiLayerNetwork network(Layer first, Layer second) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).miniBatch(false).updater(new Sgd(1.0))
                .weightInit(new NormalDistribution(0, 0.1)).biasInit(0).list()
                .layer(first)
                .layer(second)
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(VOCAB)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    private static MultiLayerNetwork trainOnSpark(MultiLayerNetwork net, List<DataSet> data) {
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(2, 4)
                .batchSizePerWorker(4).averagingFrequency(2).workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct).storageLevel(null).rngSeed(3).build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, master);
        sparkNet.setListeners(dev.lstmspark.model.RecurrentNetworks.gradientListeners(1.0));
        for (int epoch = 0; epoch < 5; epoch++) {
            sparkNet.fit(sc.parallelize(data, 2));
        }
        return sparkNet.getNetwork();
    }

    private static double score(MultiLayerNetwork net, List<DataSet> data) {
        double sum = 0;
        for (DataSet d : data) {
            sum += net.score(d);
        }
        return sum;
    }

    @Test
    void parameterAveragingMovesFusedLayersAsItMovesTheStockOnes() {
        MultiLayerNetwork stock = network(
                new LSTM.Builder().nIn(VOCAB).nOut(HIDDEN).activation(Activation.TANH).build(),
                new Gru.Builder().nIn(HIDDEN).nOut(HIDDEN).build());
        MultiLayerNetwork fused = network(
                new FusedLstm.Builder().indexInput(true).nIn(VOCAB).nOut(HIDDEN).build(),
                new FusedGru.Builder().nIn(HIDDEN).nOut(HIDDEN).build());
        fused.setParams(stock.params());
        INDArray initial = stock.params().dup();
        List<DataSet> oneHot = minibatches(8, false);
        List<DataSet> indices = minibatches(8, true);
        double before = score(fused, indices);

        INDArray stockParams = trainOnSpark(stock, oneHot).params();
        MultiLayerNetwork trained = trainOnSpark(fused, indices);
        INDArray fusedParams = trained.params();

        double moved = stockParams.sub(initial).norm2Number().doubleValue();
        double apart = stockParams.sub(fusedParams).norm2Number().doubleValue();
        assertTrue(moved > 1e-3, "training changed the parameters by " + moved);
        assertTrue(apart < 1e-4 * moved, "fused and stock parameters differ by " + apart + " after moving " + moved);
        assertTrue(score(trained, indices) < before, "summed cross-entropy " + before + " -> " + score(trained, indices));
    }
}
