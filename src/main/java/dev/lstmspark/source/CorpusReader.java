package dev.lstmspark.source;

import dev.lstmspark.config.CorpusFormat;
import dev.lstmspark.corpus.CorpusException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.FileInputFormat;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.TextInputFormat;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Reads a corpus into one {@code JavaRDD<String>} of records in corpus order, on the executors: nothing but
 * sizes, hashes and schemas reaches the driver. The rest of the pipeline (counting, encoding per partition in
 * order) is the same for every source.
 *
 * <ul>
 *   <li><b>Text files</b>: the lines of every file {@link CorpusFiles} lists, in that order, through Hadoop's
 *       {@code TextInputFormat} (so gzip and other codecs by extension; {@code \n}, {@code \r\n} and {@code \r}
 *       end a line).</li>
 *   <li><b>Parquet, ORC, JSON Lines, CSV files</b>: the {@code text-column} of every row, read with Spark SQL.
 *       Spark packs file splits into partitions largest first, so its row order is not the files' order; the
 *       rows are put back in file order by sorting on the file's path, the split's start and each row's position
 *       in its split (or on {@code order-column}, ties broken by the text), a distributed range sort.</li>
 *   <li><b>{@code table:NAME}</b>: the column of a table or view of the active Spark session's catalog, ordered by
 *       {@code order-column}, else by its files where Spark can say which they are, else as Spark returns it.</li>
 * </ul>
 *
 * <p>A scan on the executors ({@link CorpusScan}) then takes the fingerprint and checks the text: one line naming
 * the input and the fix for a missing or non-string column, an empty table, a file that is not in its format, a
 * binary file or one that is not UTF-8.
 */
public final class CorpusReader {
    private static final Logger LOG = LoggerFactory.getLogger(CorpusReader.class);
    private static final String KEY_FILE = "__lstmspark_file";
    private static final String KEY_BLOCK = "__lstmspark_block";
    private static final String KEY_ROW = "__lstmspark_row";

    private CorpusReader() {
    }

    /** Reads and scans the corpus; the caller unpersists the records. */
    public static CorpusRecords read(JavaSparkContext sc, CorpusSource source) {
        CorpusFiles files = source.isTable() ? null : listFiles(sc, source);
        JavaRDD<String> records = source.isTabular() ? tableRecords(sc, source, files) : lines(sc, files);
        records = records.persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            CorpusScan scan = scan(records, source);
            check(scan, source, files);
            if (scan.nullRecords() > 0) {
                LOG.info("corpus {}: skipped {} rows whose {} is null", source.name(), scan.nullRecords(), source.textColumn());
            }
            return new CorpusRecords(source, records, scan, files);
        } catch (RuntimeException e) {
            records.unpersist(false);
            throw e;
        }
    }

    private static CorpusFiles listFiles(JavaSparkContext sc, CorpusSource source) {
        Path path = new Path(source.uri());
        FileSystem fs;
        try {
            fs = path.getFileSystem(sc.hadoopConfiguration());
        } catch (IOException e) {
            throw new CorpusException("corpus " + source.name() + " cannot be opened (" + e.getMessage() + "): check the path and its file system settings", e);
        }
        return CorpusFiles.list(fs, path, source.name());
    }

    /**
     * Every line of the files, in the files' order: the paths are given one by one, so Hadoop keeps their order. A
     * byte-order mark at the start of a file is an encoding mark, not text, and Hadoop leaves it on the first line.
     */
    private static JavaRDD<String> lines(JavaSparkContext sc, CorpusFiles files) {
        JobConf job = new JobConf(sc.hadoopConfiguration());
        FileInputFormat.setInputPaths(job, files.paths().toArray(new Path[0]));
        return sc.hadoopRDD(job, TextInputFormat.class, LongWritable.class, Text.class, Math.max(2, sc.defaultParallelism()))
                .map(line -> {
                    String text = line._2().toString();
                    return line._1().get() == 0 && text.startsWith("\uFEFF") ? text.substring(1) : text;
                });
    }

    private static JavaRDD<String> tableRecords(JavaSparkContext sc, CorpusSource source, CorpusFiles files) {
        // The session on the running context: Builder.sparkContext is Spark-internal (private[spark], public in
        // the bytecode), but the public builder would make a SparkConf of its own and warn that it is ignored.
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        Dataset<Row> table = source.isTable() ? catalogTable(spark, source) : fileTable(spark, source, files);
        String text = column(table, source, source.textColumn(), "text-column");
        if (!table.schema().apply(text).dataType().equals(DataTypes.StringType)) {
            throw new CorpusException("text-column " + source.textColumn() + " of corpus " + source.name() + " is "
                    + table.schema().apply(text).dataType().simpleString() + ", not a string: name a string column ("
                    + columns(table) + ")");
        }
        int partitions = Math.max(2, sc.defaultParallelism());
        Column[] order;
        Dataset<Row> keyed;
        if (!source.orderColumn().isEmpty()) {
            String by = column(table, source, source.orderColumn(), "order-column");
            keyed = table.select(quoted(text), quoted(by));
            order = new Column[] {quoted(by), quoted(text)};
        } else {
            keyed = withFilePositions(table, text);
            if (keyed == null) {
                LOG.info("corpus {}: no order-column and no files to order by, so rows are read in the order Spark returns them", source.name());
                return table.select(quoted(text)).as(Encoders.STRING()).javaRDD();
            }
            order = new Column[] {functions.col(KEY_FILE), functions.col(KEY_BLOCK), functions.col(KEY_ROW)};
        }
        Dataset<String> sorted;
        try {
            sorted = keyed.repartitionByRange(partitions, order).sortWithinPartitions(order).select(quoted(text))
                    .as(Encoders.STRING());
        } catch (Exception e) {
            throw new CorpusException("corpus " + source.describe() + " cannot be ordered" + orderedBy(source) + " ("
                    + firstLine(rootCause(e)) + "): " + (source.orderColumn().isEmpty() ? "give order-column" : "choose another order-column"), e);
        }
        try {
            // With adaptive execution this already runs the sort's sampling and shuffle, reading every file.
            return sorted.javaRDD();
        } catch (Exception e) {
            throw readFailure(source, e);
        }
    }

    /**
     * The rows with their file's path, their split's start and their position in the scan: together the order in
     * which the files hold them. {@code null} where Spark knows no files (a view, a table not stored as files).
     */
    private static Dataset<Row> withFilePositions(Dataset<Row> table, String text) {
        try {
            // monotonically_increasing_id grows with the row's position in its scan partition, which holds whole
            // splits, each read from its start: within one split it is the order of the rows in the file.
            return table.select(quoted(text), functions.col("_metadata.file_path").as(KEY_FILE),
                    functions.col("_metadata.file_block_start").as(KEY_BLOCK),
                    functions.monotonically_increasing_id().as(KEY_ROW));
        } catch (Exception e) {
            if (e instanceof org.apache.spark.sql.AnalysisException) {
                return null;
            }
            throw e;
        }
    }

    private static Dataset<Row> catalogTable(SparkSession spark, CorpusSource source) {
        String name = CorpusFormat.tableName(source.uri());
        if (name.isEmpty()) {
            throw new CorpusException("corpus " + source.name() + " names no table: write table:NAME with a table or view of the Spark catalog");
        }
        boolean exists;
        try {
            exists = spark.catalog().tableExists(name);
        } catch (Exception e) {
            throw new CorpusException("corpus " + source.name() + ": " + name + " is not a table name Spark accepts ("
                    + firstLine(rootCause(e)) + "): check the name", e);
        }
        if (!exists) {
            throw new CorpusException("corpus " + source.name() + " does not exist: the Spark catalog ("
                    + spark.conf().get("spark.sql.catalogImplementation", "in-memory") + ") has no table or view " + name
                    + ": create it first, or check the name");
        }
        return spark.table(name);
    }

    private static Dataset<Row> fileTable(SparkSession spark, CorpusSource source, CorpusFiles files) {
        DataFrameReader reader = spark.read().format(source.format().key());
        if (source.format() == CorpusFormat.CSV) {
            reader = reader.option("header", "true");
        }
        Dataset<Row> table;
        try {
            table = reader.load(files.paths().stream().map(Path::toString).toArray(String[]::new));
        } catch (Exception e) {
            throw notInFormat(source, e);
        }
        List<String> names = Arrays.asList(table.schema().fieldNames());
        if (source.format() == CorpusFormat.JSON && names.equals(List.of("_corrupt_record"))) {
            throw new CorpusException("corpus " + source.name() + " is not JSON Lines: no line of it is a JSON object;"
                    + " check corpus-format (text for plain text)");
        }
        return table;
    }

    private static CorpusException notInFormat(CorpusSource source, Exception e) {
        return new CorpusException("corpus " + source.name() + " cannot be read as " + source.format().key() + " ("
                + firstLine(rootCause(e)) + "): check corpus-format, or the files", e);
    }

    /** The schema's name of a column the user named (Spark resolves names case-insensitively by default). */
    private static String column(Dataset<Row> table, CorpusSource source, String name, String setting) {
        for (String field : table.schema().fieldNames()) {
            if (field.equals(name)) {
                return field;
            }
        }
        List<String> ignoringCase = Arrays.stream(table.schema().fieldNames()).filter(f -> f.equalsIgnoreCase(name)).toList();
        if (ignoringCase.size() == 1) {
            return ignoringCase.get(0);
        }
        throw new CorpusException(setting + " " + name + " is not a column of corpus " + source.name() + " ("
                + columns(table) + "): pass --" + setting + " with one of them");
    }

    private static String columns(Dataset<Row> table) {
        StructField[] fields = table.schema().fields();
        if (fields.length == 0) {
            return "it has no columns";
        }
        return "its columns: " + Arrays.stream(fields).map(f -> f.name() + " " + f.dataType().simpleString())
                .collect(Collectors.joining(", "));
    }

    private static Column quoted(String name) {
        return functions.col("`" + name.replace("`", "``") + "`");
    }

    private static String orderedBy(CorpusSource source) {
        return source.orderColumn().isEmpty() ? " in file order" : " by " + source.orderColumn();
    }

    /** One job: every partition scans its records; only the scans' numbers reach the driver. */
    private static CorpusScan scan(JavaRDD<String> records, CorpusSource source) {
        try {
            return CorpusScan.combine(records.mapPartitions(p -> List.of(CorpusScan.ofPartition(p)).iterator(), true).collect());
        } catch (Exception e) {
            throw readFailure(source, e);
        }
    }

    /**
     * A file that is not what corpus-format says fails only once its rows are read (Spark reads one file's footer
     * for the schema): that is the user's to fix. A failure of Spark itself (a lost executor, say) ends in a
     * SparkException of its own and is passed on as it is.
     */
    private static RuntimeException readFailure(CorpusSource source, Exception e) {
        if (source.format().isTabular() && e instanceof SparkException && !(rootCause(e) instanceof SparkException)) {
            return notInFormat(source, e);
        }
        return CorpusReader.<RuntimeException>unchanged(e);
    }

    /**
     * Throws {@code e} as it is: Spark's jobs throw the checked SparkException from Scala without declaring it, and
     * the command line reports it like any other failure.
     */
    @SuppressWarnings("unchecked")
    private static <E extends Exception> E unchanged(Exception e) throws E {
        throw (E) e;
    }

    private static void check(CorpusScan scan, CorpusSource source, CorpusFiles files) {
        if (scan.suspect() == CorpusScan.BINARY) {
            throw new CorpusException("corpus " + source.describe() + " looks like a binary file (it contains NUL bytes): give a UTF-8 text file"
                    + formatHint(source, files));
        }
        if (scan.suspect() == CorpusScan.REPLACEMENT) {
            throw new CorpusException("corpus " + source.describe() + " is not valid UTF-8: convert it, e.g. iconv -f LATIN1 -t UTF-8");
        }
        if (source.isTabular() && scan.records() == 0) {
            throw new CorpusException("corpus " + source.describe() + (scan.nullRecords() > 0
                    ? " has only null values in its " + scan.nullRecords() + " rows: pass --text-column with the column that holds the text"
                    : " has no rows: give a table with text in it"));
        }
    }

    /** A binary corpus read as text whose files are named like a table format: say which format to pass. */
    private static String formatHint(CorpusSource source, CorpusFiles files) {
        if (source.isTabular() || files == null) {
            return "";
        }
        for (CorpusFormat format : CorpusFormat.values()) {
            String extension = "." + format.key();
            if (format.isTabular() && files.paths().stream()
                    .anyMatch(p -> p.getName().toLowerCase(Locale.ROOT).endsWith(extension))) {
                return ", or pass --corpus-format " + format.key() + " and --text-column";
            }
        }
        return "";
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String firstLine(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.strip().lines().findFirst().orElse("").strip();
    }
}
