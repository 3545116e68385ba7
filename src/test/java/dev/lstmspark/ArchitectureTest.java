package dev.lstmspark;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package graph of the main code, read from its sources: one package per stage, every dependency pointing down
 * this list (no package uses one that uses it back), Spark only where it is needed.
 */
class ArchitectureTest {

    /** Bottom first: a package may use only the packages before it. */
    static final List<String> LAYERS = List.of("io", "config", "corpus", "source", "vocabulary", "batches", "model.gru",
            "model.fused", "model",
            "executor", "security", "evaluation", "generation", "training", "store", "report", "run", "bench", "cli");

    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.lstmspark\\.([a-z]+(?:\\.[a-z]+)*)\\.[A-Z]");

    /** Which packages each package's main sources name, whether in an import or fully qualified in the code. */
    static Map<String, Set<String>> dependencies() throws IOException {
        Path root = Path.of("src", "main", "java", "dev", "lstmspark");
        Map<String, Set<String>> uses = new TreeMap<>();
        try (var files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(file.getParent()).toString().replace('/', '.');
                Set<String> used = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
                String source = Files.readString(file);
                if (file.getFileName().toString().equals("package-info.java")) {
                    continue; // its {@link}s document neighbours, they are not dependencies
                }
                Matcher m = REFERENCE.matcher(source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", ""));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        used.add(m.group(1));
                    }
                }
            }
        }
        return uses;
    }

    @Test
    void everyPackageIsAStageOfTheList() throws IOException {
        assertEquals(new TreeSet<>(LAYERS), dependencies().keySet());
    }

    @Test
    void dependenciesPointDownTheList() throws IOException {
        List<String> upward = new ArrayList<>();
        dependencies().forEach((pkg, used) -> {
            for (String u : used) {
                if (LAYERS.indexOf(u) > LAYERS.indexOf(pkg)) {
                    upward.add(pkg + " -> " + u);
                }
            }
        });
        assertEquals(List.of(), upward, "a package uses one above it (and so, possibly, one that uses it back)");
    }

    @Test
    void sparkStaysInTheStagesThatNeedIt() throws IOException {
        Path root = Path.of("src", "main", "java", "dev", "lstmspark");
        Set<String> usingSpark = new TreeSet<>();
        try (var files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (Files.readString(file).contains("import org.apache.spark.")) {
                    usingSpark.add(root.relativize(file.getParent()).toString().replace('/', '.'));
                }
            }
        }
        Set<String> allowed = Set.of("security", "source", "vocabulary", "batches", "executor", "evaluation", "training", "run", "bench", "cli");
        assertTrue(allowed.containsAll(usingSpark), "Spark used in " + usingSpark + ", allowed only in " + allowed);
    }
}
