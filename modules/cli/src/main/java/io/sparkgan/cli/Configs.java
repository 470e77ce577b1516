package io.sparkgan.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Reads run configurations (YAML or JSON) strictly: unknown keys and wrong types are errors. */
public final class Configs {
    /** Kebab-case keys, the same names as the command-line flags. */
    public static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()));
    public static final ObjectMapper JSON = configure(new ObjectMapper()).enable(SerializationFeature.INDENT_OUTPUT);

    private Configs() {}

    private static ObjectMapper configure(ObjectMapper m) {
        return m.setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                // 1.5 for a count is a mistake to report, not a value to truncate.
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    }

    /**
     * A config file's keys, read and checked for form: {@code preset} apart (it is applied first,
     * under the file's other keys), the rest to be laid over a configuration by {@link #apply}.
     *
     * @param preset the file's {@code preset} value in lower case, or null when it has none
     */
    record File(Path path, ObjectNode keys, String preset) {}

    /**
     * Reads {@code file} onto {@code base}: keys in the file replace base values, the rest stay. The
     * preset comes first, so the file's other keys win over it: {@code preset} names it (a
     * {@code --preset} flag), or else the file's own {@code preset} key does.
     *
     * @param preset the preset named on the command line, or null to use the file's
     */
    public static RunConfig read(Path file, RunConfig base, String preset) {
        File f = load(file);
        String name = preset != null ? preset : f.preset();
        if (name != null) {
            Presets.apply(name, base);
        }
        return apply(f, base);
    }

    /** Reads and checks a config file (see {@link File}); nothing is applied yet. */
    static File load(Path file) {
        if (Files.isDirectory(file)) {
            throw new UsageException("config file '" + file + "' is a folder; expected a YAML file");
        }
        if (!Files.isReadable(file)) {
            throw new UsageException("config file '" + file + "' cannot be read; expected a readable YAML file");
        }
        JsonNode tree;
        try {
            tree = YAML.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new UsageException("config file '" + file + "' is not valid YAML: " + firstLine(e.getOriginalMessage())
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new UsageException("config file '" + file + "' cannot be read: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull() || tree.isEmpty()) {
            throw new UsageException("config file '" + file + "' is empty; expected YAML keys such as 'iterations: 1000'");
        }
        if (!tree.isObject()) {
            throw new UsageException("config file '" + file + "' holds " + kind(tree) + "; expected YAML keys such as 'iterations: 1000'");
        }
        ObjectNode keys = ((ObjectNode) tree).deepCopy();
        // An empty value ("dataset:") would reach the configuration as null and fail far from the file.
        keys.fields().forEachRemaining(e -> {
            if (e.getValue().isNull() && (e.getKey().equals("preset") || toMap(new RunConfig()).containsKey(e.getKey()))) {
                throw new UsageException("config file '" + file + "': key '" + e.getKey() + "' has no value; expected " + expected(e.getKey()));
            }
            // An empty seed list is a mistake, not a way to ask for the default (leave the key out for that).
            if (e.getKey().equals(RunConfig.SEEDS.name()) && e.getValue().isTextual() && e.getValue().asText().replace(",", "").isBlank()) {
                throw new UsageException("config file '" + file + "': key 'seeds' has value '" + e.getValue().asText() + "'; expected " + expected(e.getKey()));
            }
        });
        JsonNode filePreset = keys.remove("preset");
        String name = null;
        if (filePreset != null) {
            if (!filePreset.isTextual() || !Presets.NAMES.contains(filePreset.asText().toLowerCase(Locale.ROOT))) {
                throw new UsageException("config file '" + file + "': key 'preset' has value '" + text(filePreset) + "'; expected one of " + Presets.NAMES);
            }
            name = filePreset.asText().toLowerCase(Locale.ROOT);
        }
        return new File(file, keys, name);
    }

    /** Lays the file's keys (not its preset) over {@code base}, each read by its setting's declaration. */
    static RunConfig apply(File f, RunConfig base) {
        Path file = f.path();
        f.keys().fields().forEachRemaining(e -> {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (base.setting(key) == null) {
                throw new UsageException("config file '" + file + "': unknown key '" + key + "'; expected one of " + base.keys());
            }
            if (value.isContainerNode()) {
                throw new UsageException("config file '" + file + "': key '" + key + "' has value " + shown(value) + "; expected " + expected(key));
            }
            Object raw = value.isTextual() ? value.asText() : value.isBoolean() ? value.asBoolean() : value.isNumber() ? value.numberValue() : value.asText();
            try {
                base.put(key, raw);
            } catch (IllegalArgumentException ex) {
                String m = firstLine(ex.getMessage());
                // "KEY has value V; expected W" (the value's form) reads as the file's key; anything else is the setting's own message.
                throw new UsageException("config file '" + file + "': key '" + key + "'"
                        + (m.startsWith(key + " has value ") ? m.substring(key.length()) : ": " + m));
            }
        });
        return base;
    }

    /** What a key takes, from the type of its setting. */
    private static String expected(String key) {
        if (key.equals("preset")) {
            return "one of " + Presets.NAMES;
        }
        switch (key) {
            case "generator", "discriminator" -> {
                return "a network such as mlp:128,128:relu";
            }
            case "dataset" -> {
                return "a dataset: " + String.join(", ", io.sparkgan.data.Datasets.NAMES) + " (embedded), " + io.sparkgan.data.DataSources.SPECS;
            }
            case "strategy" -> {
                return "one of " + io.sparkgan.spark.StrategyConfig.STRATEGIES;
            }
            case "exchange" -> {
                return "one of " + io.sparkgan.spark.StrategyConfig.EXCHANGES;
            }
            case "objective" -> {
                return "one of " + io.sparkgan.core.objective.Objectives.NAMES;
            }
            case "seeds" -> {
                return RunConfig.SEEDS_EXPECTED;
            }
            case "shards" -> {
                return io.sparkgan.spark.ShardPlan.MODES;
            }
            default -> { }
        }
        io.sparkgan.core.config.Setting<?> s = new RunConfig().setting(key);
        return s == null ? "a value" : s.kind();
    }

    private static String kind(JsonNode n) {
        return n.isArray() ? "a list" : n.isObject() ? "a mapping" : n.isTextual() ? "a text" : n.isNumber() ? "a number" : n.isBoolean() ? "a boolean" : "a value";
    }

    /** A value as the user wrote it, near enough: text quoted, lists and mappings in flow style. */
    private static String shown(JsonNode n) {
        if (n.isTextual()) {
            return "'" + n.asText() + "'";
        }
        return n.isContainerNode() ? n.toString() + " (" + kind(n) + ")" : n.asText();
    }

    private static String text(JsonNode n) {
        return n.isTextual() ? n.asText() : n.toString();
    }


    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** The resolved configuration as a JSON-ready map (for run.json). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(RunConfig c) {
        return JSON.convertValue(c, Map.class);
    }

    public static RunConfig fromMap(Map<?, ?> map) {
        return JSON.convertValue(map, RunConfig.class);
    }
}
