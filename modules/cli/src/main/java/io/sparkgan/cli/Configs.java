package io.sparkgan.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

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
                ;
    }

    /**
     * Reads {@code file} onto {@code base}: keys in the file replace base values, the rest stay. The
     * preset comes first, so the file's other keys win over it: {@code preset} names it (a
     * {@code --preset} flag), or else the file's own {@code preset} key does.
     *
     * @param preset the preset named on the command line, or null to use the file's
     */
    public static RunConfig read(Path file, RunConfig base, String preset) {
        if (!Files.isReadable(file)) {
            throw new UsageException("config file '" + file + "' cannot be read; expected a readable YAML file");
        }
        try {
            com.fasterxml.jackson.databind.JsonNode tree = YAML.readTree(file.toFile());
            if (tree == null || tree.isMissingNode() || tree.isNull() || tree.isEmpty()) {
                throw new UsageException("config file '" + file + "' is empty; expected YAML keys such as 'iterations: 1000'");
            }
            if (!tree.isObject()) {
                throw new UsageException("config file '" + file + "' holds a " + tree.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)
                        + "; expected YAML keys such as 'iterations: 1000'");
            }
            com.fasterxml.jackson.databind.node.ObjectNode keys = ((com.fasterxml.jackson.databind.node.ObjectNode) tree).deepCopy();
            com.fasterxml.jackson.databind.JsonNode filePreset = keys.remove("preset");
            String name = preset != null ? preset
                    : filePreset != null && !filePreset.isNull() && !filePreset.asText().isEmpty() ? filePreset.asText().toLowerCase(java.util.Locale.ROOT) : null;
            if (preset == null && name != null && !Presets.NAMES.contains(name)) {
                throw new UsageException("config file '" + file + "': key 'preset' has value '" + filePreset.asText() + "'; expected one of " + Presets.NAMES);
            }
            if (name != null) {
                Presets.apply(name, base);
            }
            return YAML.readerForUpdating(base).readValue(keys);
        } catch (UnrecognizedPropertyException e) {
            throw new UsageException("config file '" + file + "': unknown key '" + e.getPropertyName() + "'; expected one of "
                    + new TreeSet<>(e.getKnownPropertyIds().stream().map(String::valueOf).toList()));
        } catch (InvalidFormatException e) {
            throw new UsageException("config file '" + file + "': key '" + path(e) + "' has value '" + e.getValue()
                    + "'; expected " + e.getTargetType().getSimpleName().toLowerCase());
        } catch (JsonMappingException e) {
            Throwable root = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new UsageException("config file '" + file + "': key '" + path(e) + "': " + firstLine(root.getMessage()));
        } catch (JsonProcessingException e) {
            throw new UsageException("config file '" + file + "' is not valid YAML: " + firstLine(e.getOriginalMessage())
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new UsageException("config file '" + file + "' cannot be read: " + e.getMessage());
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()))
                .reduce((a, b) -> a + "." + b).orElse("?");
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
