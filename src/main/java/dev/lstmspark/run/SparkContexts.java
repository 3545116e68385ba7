package dev.lstmspark.run;

import dev.lstmspark.security.Redaction;
import dev.lstmspark.security.StandaloneAuthentication;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.api.java.JavaSparkContext;

/** Spark contexts the commands run on: the master from spark-submit if it set one, else the configured one. */
public final class SparkContexts {

    private SparkContexts() {
    }

    public static SparkConf conf(String appName, String master) {
        SparkConf conf = new SparkConf().setAppName(appName);
        conf.setIfMissing("spark.master", master);
        // A standalone driver's secret from spark.authenticate.secret.file, which Spark reads only on Kubernetes.
        StandaloneAuthentication.readSecretFile(conf);
        // DataSets and INDArrays travel between tasks: Kryo with ND4J's registrator serializes them compactly.
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        conf.setIfMissing("spark.kryoserializer.buffer.max", "512m");
        // Our own per-epoch lines report progress; Spark's console bar would interleave with them.
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        conf.setIfMissing("spark.ui.enabled", "false");
        // Wherever Spark prints its configuration, S3A's encryption key and the like are redacted as well.
        conf.setIfMissing("spark.redaction.regex", Redaction.SPARK_REGEX);
        return conf;
    }

    /**
     * Hadoop settings for file systems the driver opens itself (run directory, saved model) before or without a
     * Spark context: Spark's own translation of the {@code spark.hadoop.*} properties spark-submit passes, so an
     * {@code s3a:} or {@code hdfs:} {@code --out} or {@code --model} sees the same credentials the executors do.
     */
    public static Configuration hadoopConfiguration() {
        return SparkHadoopUtil.get().newConfiguration(new SparkConf());
    }

    public static JavaSparkContext create(String appName, String master) {
        JavaSparkContext sc = new JavaSparkContext(conf(appName, master));
        StandaloneAuthentication.requireRegistered(sc);
        return sc;
    }
}
