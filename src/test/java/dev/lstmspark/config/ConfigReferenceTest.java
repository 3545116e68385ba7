package dev.lstmspark.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's configuration reference is the table of settings, rendered (the {@code --resume} column says which
 * settings a resumed run may change): a setting added, renamed or re-documented
 * in {@link Settings} fails this test until the README says the same. The failure message holds the table to paste.
 */
class ConfigReferenceTest {
    static final String MARKER = "<!-- generated from dev.lstmspark.config.Settings; ConfigReferenceTest checks it -->";
    static final Path PRESET = Path.of("conf", "d2l-lstm.properties");

    /** The markdown table: key, default, the d2l preset's value where it differs, meaning. */
    static String table() throws IOException {
        Properties preset = new Properties();
        try (Reader in = Files.newBufferedReader(PRESET, StandardCharsets.UTF_8)) {
            preset.load(in);
        }
        StringBuilder md = new StringBuilder("| key / flag | default | `" + PRESET.toString().replace('\\', '/')
                + "` | `--resume` | meaning |\n|---|---|---|---|---|\n");
        for (Setting<?> s : Settings.ALL) {
            String d2l = preset.getProperty(s.key());
            boolean differs = d2l != null && !s.format(s.parse(d2l)).equals(s.format(s.parse(s.defaultValue())));
            md.append("| `").append(s.key()).append("` | ")
                    .append(s.defaultValue().isEmpty() ? "*(empty)*" : "`" + s.defaultValue() + "`").append(" | ")
                    .append(differs ? "`" + d2l.trim() + "`" : "").append(" | ")
                    .append(s.changeableOnResume() ? "may change" : "").append(" | ")
                    .append(s.description().replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")).append(" |\n");
        }
        return md.toString();
    }

    @Test
    void theReadmeTableIsTheTableOfSettings() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int marker = readme.indexOf(MARKER);
        assertTrue(marker >= 0, "README.md lacks the marker line " + MARKER);
        int start = marker + MARKER.length() + 1;
        int end = readme.indexOf("\n\n", start);
        String expected = table();
        assertEquals(expected, readme.substring(start, end + 1),
                "README.md's configuration table differs from Settings.ALL; put this after the marker:\n" + expected);
    }

    @Test
    void everyKeyOfTheD2lPresetIsASetting() throws IOException {
        Properties preset = new Properties();
        try (Reader in = Files.newBufferedReader(PRESET, StandardCharsets.UTF_8)) {
            preset.load(in);
        }
        for (String key : preset.stringPropertyNames()) {
            assertTrue(Settings.named(key) != null, key);
        }
    }

    /** The record and the table are one list: same order, every component named after its key. */
    @Test
    void everySettingIsAComponentOfTrainConfigInOrder() {
        var components = TrainConfig.class.getRecordComponents();
        assertEquals(Settings.ALL.size(), components.length);
        for (int i = 0; i < components.length; i++) {
            assertEquals(Settings.ALL.get(i).componentName(), components[i].getName());
        }
    }

    @Test
    void everyDefaultParsesAndFormatsBackToItself() {
        for (Setting<?> s : Settings.ALL) {
            if (!s.key().equals("out")) { // empty means a fresh runs/<date>-<time>
                Object value = s.parse(s.defaultValue());
                assertEquals(value, s.parse(s.format(value)), s.key());
            }
        }
    }
}
