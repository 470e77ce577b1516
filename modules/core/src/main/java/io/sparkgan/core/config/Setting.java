package io.sparkgan.core.config;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One hyper-parameter, declared once: its key, type, default, what values it accepts and a one-line
 * description. Everything a user sees of it is derived from this declaration: the command-line flag
 * ({@link #flag()}), the YAML key ({@link #name()}), the Spark ML param ({@link #camelName()}), the
 * entry in {@code run.json} and the row of the README's settings table. (The models are Spark ML's
 * typed {@code Param}s with validators and docs, and Tribuo's {@code @Config} fields.)
 *
 * <p>A setting belongs to a <em>scope</em>: {@code ""} for the settings every run has, or the name of
 * the component that reads it (an objective, a refinement), so that tables and {@code --help} group
 * it with its component.
 *
 * @param <T> Integer, Long, Double, Boolean, String, or a type read from text by a {@link Parser}
 */
public final class Setting<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A check on a value: null when it is fine, else the whole one-line message. */
    @FunctionalInterface
    public interface Validator<T> extends Serializable {
        String problem(String name, T value);
    }

    /** Reads a value from text; throws IllegalArgumentException with a one-line message. */
    @FunctionalInterface
    public interface Parser<T> extends Serializable {
        T parse(String text);
    }

    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final String doc;
    private final String scope;
    private final String kind;
    private final Parser<T> parser;
    private final Validator<T> validator;
    /** What a configuration stored before this setting existed meant by leaving it out; null: the default. */
    private final T absentMeans;

    private Setting(String name, Class<T> type, T defaultValue, String doc, String scope, String kind, Parser<T> parser, Validator<T> validator) {
        this(name, type, defaultValue, doc, scope, kind, parser, validator, null);
    }

    private Setting(String name, Class<T> type, T defaultValue, String doc, String scope, String kind, Parser<T> parser, Validator<T> validator,
            T absentMeans) {
        if (!name.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("setting name '" + name + "' must be kebab-case");
        }
        this.name = name;
        this.type = type;
        this.defaultValue = defaultValue;
        this.doc = doc;
        this.scope = scope;
        this.kind = kind;
        this.parser = parser;
        this.validator = validator;
        this.absentMeans = absentMeans;
    }

    public static Setting<Integer> integer(String name, int defaultValue, String doc) {
        return new Setting<>(name, Integer.class, defaultValue, doc, "", "a whole number", Integer::parseInt, (n, v) -> null);
    }

    public static Setting<Long> wholeLong(String name, long defaultValue, String doc) {
        return new Setting<>(name, Long.class, defaultValue, doc, "", "a whole number", Long::parseLong, (n, v) -> null);
    }

    public static Setting<Double> number(String name, double defaultValue, String doc) {
        return new Setting<>(name, Double.class, defaultValue, doc, "", "a number", Double::parseDouble,
                (n, v) -> Double.isFinite(v) ? null : n + " must be a finite number, got " + v);
    }

    public static Setting<Boolean> bool(String name, boolean defaultValue, String doc) {
        return new Setting<>(name, Boolean.class, defaultValue, doc, "", "true or false", t -> {
            if (!t.equalsIgnoreCase("true") && !t.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException(name + " must be true or false, got '" + t + "'");
            }
            return Boolean.parseBoolean(t);
        }, (n, v) -> null);
    }

    public static Setting<String> text(String name, String defaultValue, String doc) {
        return new Setting<>(name, String.class, defaultValue, doc, "", "a text value", t -> t, (n, v) -> null);
    }

    /**
     * A setting whose values are read from text by {@code parser} (which validates and throws a
     * one-line message) and written back with {@code toString()}.
     *
     * @param kind what the text looks like, e.g. "a network such as mlp:128,128:relu"
     */
    public static <T> Setting<T> parsed(String name, Class<T> type, T defaultValue, String kind, Parser<T> parser, String doc) {
        return new Setting<>(name, type, defaultValue, doc, "", kind, parser, (n, v) -> null);
    }

    /** The same setting, also checked by {@code validator} (after the checks it already has). */
    public Setting<T> check(Validator<T> validator) {
        Validator<T> before = this.validator;
        return new Setting<>(name, type, defaultValue, doc, scope, kind, parser, (n, v) -> {
            String p = before.problem(n, v);
            return p != null ? p : validator.problem(n, v);
        }, absentMeans);
    }

    /** The same setting read by component {@code scope}. */
    public Setting<T> scope(String scope) {
        return new Setting<>(name, type, defaultValue, doc, scope, kind, parser, validator, absentMeans);
    }

    /**
     * The same setting, declared after runs were stored with a default that changes what they did:
     * a stored configuration (run.json) without its key ran with {@code value}, and is read so
     * ({@link SettingValues#fromStored}).
     */
    public Setting<T> absentFromOlderRunsMeans(T value) {
        return new Setting<>(name, type, defaultValue, doc, scope, kind, parser, validator, value);
    }

    /** What a stored configuration without this setting's key meant (null: the default). */
    public T absentMeans() {
        return absentMeans;
    }

    /** Only values {@code > 0}: "NAME must be positive, got V". */
    public Setting<T> positive() {
        return check((n, v) -> ((Number) v).doubleValue() > 0 ? null : n + " must be positive, got " + show(v));
    }

    /** Only values {@code >= 0}; {@code zeroMeans} says what 0 stands for. */
    public Setting<T> nonNegative(String zeroMeans) {
        return check((n, v) -> ((Number) v).doubleValue() >= 0 ? null : n + " must be 0 (" + zeroMeans + ") or positive, got " + show(v));
    }

    /** Only values in [lo, hi) (hi exclusive). */
    public Setting<T> inRange(double lo, double hi) {
        return check((n, v) -> {
            double d = ((Number) v).doubleValue();
            return d >= lo && d < hi ? null : n + " must be in [" + show(lo) + ", " + show(hi) + "), got " + show(v);
        });
    }

    /** A text setting taking one of {@code allowed}: "NAME 'x' is unknown; expected one of [...]". */
    public static Setting<String> oneOf(String name, String defaultValue, List<String> allowed, String doc) {
        return new Setting<>(name, String.class, defaultValue, doc, "", "one of " + allowed, t -> t,
                (n, v) -> allowed.contains(v) ? null : n + " '" + v + "' is unknown; expected one of " + allowed);
    }

    public String name() { return name; }
    public Class<T> type() { return type; }
    public T defaultValue() { return defaultValue; }
    public String doc() { return doc; }
    public String scope() { return scope; }
    /** What a value looks like, e.g. "a whole number" (for messages about a value of the wrong form). */
    public String kind() { return kind; }

    /** The flag that sets it: {@code --name}. */
    public String flag() {
        return "--" + name;
    }

    /** The Spark ML param name: the key in camel case ({@code batch-size} is {@code batchSize}). */
    public String camelName() {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char ch : name.toCharArray()) {
            if (ch == '-') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return b.toString();
    }

    /** Null when {@code value} is acceptable, else the one-line message naming this setting. */
    public String problem(T value) {
        return value == null ? name + " has no value; expected " + kind : validator.problem(name, value);
    }

    /** {@code value} if acceptable, else IllegalArgumentException with {@link #problem}. */
    public T validate(T value) {
        String p = problem(value);
        if (p != null) {
            throw new IllegalArgumentException(p);
        }
        return value;
    }

    /** Reads a value from text (a flag's argument), in this setting's type; not yet validated. */
    public T parse(String text) {
        try {
            return parser.parse(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " has value '" + text + "'; expected " + kind);
        }
    }

    /**
     * A value from a YAML/JSON scalar or a Spark ML param value, in this setting's type; not yet
     * validated. Throws IllegalArgumentException (message: what was expected) when it has the wrong
     * form; a whole-number setting refuses 1.5 rather than truncating it.
     */
    public T fromValue(Object raw) {
        if (raw == null) {
            throw new IllegalArgumentException(name + " has no value; expected " + kind);
        }
        if (type.isInstance(raw)) {
            return type.cast(raw);
        }
        if (raw instanceof String s) {
            if (type == String.class || (type != Integer.class && type != Long.class && type != Double.class && type != Boolean.class)) {
                return parse(s);
            }
            throw new IllegalArgumentException(name + " has value '" + s + "'; expected " + kind);
        }
        if (raw instanceof Number n && (type == Integer.class || type == Long.class || type == Double.class)) {
            if (type == Double.class) {
                return type.cast(n.doubleValue());
            }
            boolean whole = !(n instanceof Double || n instanceof Float || n instanceof java.math.BigDecimal)
                    || n.doubleValue() == Math.rint(n.doubleValue());
            if (whole && n instanceof java.math.BigInteger big && big.bitLength() >= 64) {
                throw new IllegalArgumentException(name + " has value " + n + "; expected " + kind + " up to " + (type == Long.class ? Long.MAX_VALUE : Integer.MAX_VALUE));
            }
            long l = n.longValue();
            if (!whole) {
                throw new IllegalArgumentException(name + " has value " + n + "; expected " + kind);
            }
            if (type == Integer.class) {
                if (l != (int) l) {
                    throw new IllegalArgumentException(name + " has value " + n + "; expected " + kind + " up to " + Integer.MAX_VALUE);
                }
                return type.cast((int) l);
            }
            return type.cast(l);
        }
        throw new IllegalArgumentException(name + " has value " + raw + "; expected " + kind);
    }

    /** The value as it goes to JSON and YAML: numbers, booleans and texts as they are, others as text. */
    public Object toJson(T value) {
        return value instanceof Number || value instanceof Boolean || value instanceof String ? value : value.toString();
    }

    /** The default as JSON and YAML hold it. */
    public Object toJsonDefault() {
        return toJson(defaultValue);
    }

    static String show(Object v) {
        if (v instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return String.valueOf(d.longValue());
        }
        return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Setting<?> s && s.name.equals(name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
