/**
 * The first stage of the data flow: where the text comes from and how each line becomes tokens, before any
 * vocabulary exists.
 *
 * <p>{@link dev.lstmspark.corpus.CorpusLocator} runs on the driver and turns the {@code corpus} setting into a path
 * Spark can read: a URI with a scheme ({@code hdfs:}, {@code s3a:}, {@code file:}, {@code table:}) is passed through
 * as it is, a local path or glob becomes an absolute {@code file:} path, and the default {@code data/timemachine.txt}
 * is downloaded from d2l when missing, checked against its SHA-1 and moved into place from a temporary file, so a
 * broken transfer never leaves a half-written corpus. The records themselves are read by the {@code source} stage.
 *
 * <p>{@link dev.lstmspark.corpus.TextPreprocessing} is the three preprocessings ({@code d2l}, {@code lower},
 * {@code raw}) and the cutting into tokens (Unicode code points, or words) as plain static functions, so the same
 * code runs in Spark tasks (counting and encoding), on the driver (generation prefixes) and in unit tests without
 * Spark; a {@link dev.lstmspark.corpus.Tokenizer} is one preprocessing with one token kind, which the vocabulary
 * carries. {@link dev.lstmspark.corpus.CorpusException} is a user error whose message names the input and the fix.
 */
package dev.lstmspark.corpus;
