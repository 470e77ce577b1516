package io.sparkgan.core.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The allow-list a network's {@code configuration.json} must pass before DL4J's Jackson reads it.
 *
 * <p>Why: DL4J's configuration classes carry {@code @JsonTypeInfo(use = Id.CLASS)}, so a
 * configuration names the Java classes Jackson loads ({@code "@class"}, and {@code "type"} for
 * distributions; an array {@code ["some.Class", {...}]} works too, through Jackson's fallback to the
 * array form). Jackson checks that a named class is a subtype of the declared type only after
 * loading and initialising it, and a field of type {@code Class} would load any name. A
 * configuration from an untrusted checkpoint could therefore run the static initialiser of any
 * class on the classpath. This guard refuses every string, in any position (field names, values,
 * array elements), that contains a dotted Java name outside DL4J's and ND4J's own packages, before
 * DL4J sees the text. ND4J's shaded third-party libraries ({@code org.nd4j.shade.*}: Jackson, Guava,
 * Protobuf, ...) are not DL4J's classes and are refused too.
 *
 * <p>The text is parsed here with duplicate keys rejected: otherwise {@code {"@class": "evil.X",
 * "@class": "org.deeplearning4j..."}} would show this tree only the last value while DL4J's
 * streaming type resolver acts on the first. Anything this parser refuses (comments, bad syntax,
 * excessive nesting) is refused outright, so DL4J never sees a text this guard could not inspect.
 */
final class ConfigurationClasses {
    private static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** A dotted Java name anywhere in a string (also inside generic or array type names such as {@code [Lx.Y;}). */
    private static final Pattern DOTTED_NAME = Pattern.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*(?:\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)+");
    /** A whole value that is a plain class name, as {@code "@class"} must be. */
    private static final Pattern CLASS_NAME = Pattern.compile("(?:\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*\\.)+\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*");
    /**
     * Layers and activations of this project that a configuration may name: each one a plain DL4J
     * configuration class, by exact name. A class that {@code Networks} puts into a configuration
     * and that is missing here makes every checkpoint of such a network unreadable (ModelPartsTest
     * reads back a network of every activation a network spec can name).
     */
    static final java.util.Set<String> OURS = new java.util.TreeSet<>(java.util.Set.of(io.sparkgan.core.nn.MinibatchDiscriminationLayer.class.getName(),
            io.sparkgan.core.nn.FiniteSoftPlus.class.getName()));
    static final String ALLOWED = "org.deeplearning4j.*, org.nd4j.* (not org.nd4j.shade.*), " + String.join(", ", OURS);

    private ConfigurationClasses() {}

    /** Whether {@code name} is one of DL4J's or ND4J's own classes (by package), or one of {@link #OURS}. */
    static boolean allowed(String name) {
        return (name.startsWith("org.deeplearning4j.") || name.startsWith("org.nd4j.")) && !name.startsWith("org.nd4j.shade.")
                || OURS.contains(name);
    }

    /**
     * Throws {@link IllegalArgumentException} with a one-line message naming the first class name
     * outside the allow-list (or the reason the text cannot be inspected); returns normally if the
     * configuration names only DL4J/ND4J classes.
     */
    static void check(String json) {
        JsonNode root;
        try {
            root = STRICT.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("configuration.json is not plain JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("configuration.json is not a JSON object");
        }
        Deque<JsonNode> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            JsonNode n = todo.pop();
            if (n.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> f = it.next();
                    checkString(f.getKey());
                    if (f.getKey().equals("@class") && !(f.getValue().isTextual() && CLASS_NAME.matcher(f.getValue().asText()).matches())) {
                        throw new IllegalArgumentException("configuration.json has an '@class' that is not a class name: "
                                + abbreviate(f.getValue().toString()));
                    }
                    todo.push(f.getValue());
                }
            } else if (n.isArray()) {
                n.forEach(todo::push);
            } else if (n.isTextual()) {
                checkString(n.asText());
            }
        }
    }

    private static void checkString(String s) {
        Matcher m = DOTTED_NAME.matcher(s);
        while (m.find()) {
            if (!allowed(m.group())) {
                throw new IllegalArgumentException("configuration.json names class '" + abbreviate(m.group())
                        + "', outside DL4J/ND4J's own packages and this project's layers and activations (" + ALLOWED + "); refusing to load it");
            }
        }
    }

    /** Keeps the message on one line and short, whatever the file holds. */
    private static String abbreviate(String s) {
        String t = s.length() <= 200 ? s : s.substring(0, 200) + "...";
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
