package dev.lstmspark.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Selects the ND4J native build this jar was packaged with (e.g. oneDNN + AVX2 on CPU, cuDNN on GPU) before
 * ND4J loads, from a resource Maven fills in, so the code itself never branches on the backend.
 */
public final class NativeBackend {
    static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";

    private NativeBackend() {
    }

    public static void selectPackagedBuild() {
        if (System.getProperty(EXTENSION_PROPERTY) != null) {
            return;
        }
        try (InputStream in = NativeBackend.class.getResourceAsStream("/dev/lstmspark/build.properties")) {
            if (in == null) {
                return;
            }
            Properties p = new Properties();
            p.load(in);
            String extension = p.getProperty("nd4j.platform.extension", "").trim();
            if (!extension.isEmpty() && !extension.startsWith("${")) {
                System.setProperty(EXTENSION_PROPERTY, extension);
            }
        } catch (IOException ignored) {
            // fall back to JavaCPP's default build for this platform
        }
    }
}
