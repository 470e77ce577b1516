package io.sparkgan.core.config;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One hyper-parameter, declared once: its key, type, default, what values it accepts and a one-line
 * description. Everything a user sees of it is derived from this declaration: the command-line flag
 * ({@code --key}), the YAML key, the Spark ML param ({@link #camelName()}), the entry in
 * {@code run.json} and the row of the README's settings table. (The models are Spark ML's typed
 * {@code Param}s with validators and Tribuo's {@code @Config} fields.)
 *
 * <p>A setting belongs to a <em>scope</em>: {@code ""} for the settings every run has, or the name of
 * the component (an objective, a regularizer) that reads it, so that tables and {@code --help} can
 * group them and a component's settings are documented next to it.
 *
 * @param <T> Integer, Long, Double, Boolean or String
 */
public final class Setting<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A check on a value; {@link #expected} says in words what passes. */
    @FunctionalInterface
    public interface Check<T> extends Serializable {
        boolean test(T value);
    }

    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final String doc;
    private final String scope;
    private final Check<T> check;
    private final String expected;

    private Setting(String name, Class<T> type, T defaultValue, String doc, String scope, Check<T> check, String expected) {
        if (!name.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("setting name '" + name + "' must be kebab-case");
        }
        this.name = name;
        this.type = type;
        this.defaultValue = defaultValue;
        this.doc = doc;
        this.scope = scope;
        this.check = check;
        this.expected = expected;
        validate(defaultValue);
    }

    public static Setting<Integer> integer(String name, int defaultValue, String doc) {
        return new Setting<>(name, Integer.class, defaultValue, doc, "", v -> true, "a whole number");
    }

    public static Setting<Long> wholeLong(String name, long defaultValue, String doc) {
        return new Setting<>(name, Long.class, defaultValue, doc, "", v -> true, "a whole number");
    }

    public static Setting<Double> number(String name, double defaultValue, String doc) {
        return new Setting<>(name, Double.class, defaultValue, doc, "", v -> !v.isNaN(), "a number");
    }

    public static Setting<Boolean> flag(String name, boolean defaultValue, String doc) {
        return new Setting<>(name, Boolean.class, defaultValue, doc, "", v -> true, "true or false");
    }

    public static Setting<String> text(String name, String defaultValue, String doc) {
        return new Setting<>(name, String.class, defaultValue, doc, "", v -> true, "a text value");
    }

    /** The same setting accepting only values that pass {@code check}, described as {@code expected}. */
    public Setting<T> accepting(Check<T> check, String expected) {
        return new Setting<>(name, type, defaultValue, doc, scope, check, expected);
    }

    /** The same setting read by component {@code scope} (an objective's or regularizer's name). */
    public Setting<T> scope(String scope) {
        return new Setting<>(name, type, defaultValue, doc, scope, check, expected);
    }

    /** The same setting accepting only values {@code > 0}. */
    public Setting<T> positive() {
        return accepting(v -> ((Number) v).doubleValue() > 0, "positive");
    }

    /** The same setting accepting only values {@code >= 0}. */
    public Setting<T> nonNegative() {
        return accepting(v -> ((Number) v).doubleValue() >= 0, "0 or positive");
    }

    /** The same setting accepting only the given texts (compared in lower case). */
    public static Setting<String> oneOf(String name, String defaultValue, List<String> allowed, String doc) {
        return text(name, defaultValue, doc).accepting(allowed::contains, "one of " + allowed);
    }

    public String name() { return name; }
    public Class<T> type() { return type; }
    public T defaultValue() { return defaultValue; }
    public String doc() { return doc; }
    public String scope() { return scope; }
    public String expected() { return expected; }

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

    /** {@code value} if it passes, else IllegalArgumentException "NAME must be EXPECTED, got VALUE". */
    public T validate(T value) {
        if (value == null || !check.test(value)) {
            throw new IllegalArgumentException(name + " must be " + expected + ", got " + show(value));
        }
        return value;
    }

    /**
     * A value from a command-line text, a YAML/JSON scalar or a Spark ML param value, converted to
     * this setting's type and validated; the message names the setting and what it expects.
     */
    public T convert(Object raw) {
        T v;
        try {
            v = type.cast(coerce(raw));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + " must be " + expected + ", got " + show(raw));
        }
        return validate(v);
    }

    private Object coerce(Object raw) {
        if (raw instanceof String s) {
            String t = s.trim();
            if (type == String.class) {
                return t;
            }
            if (type == Boolean.class) {
                if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
                    return Boolean.parseBoolean(t);
                }
                throw new IllegalArgumentException();
            }
            if (type == Integer.class) {
                return Integer.parseInt(t);
            }
            if (type == Long.class) {
                return Long.parseLong(t);
            }
            return Double.parseDouble(t);
        }
        if (type == String.class || type == Boolean.class) {
            return type.cast(raw);
        }
        Number n = (Number) raw;
        if (type == Double.class) {
            return n.doubleValue();
        }
        // A whole number only: 1.5 for a count is a mistake to report, not a value to truncate.
        if (n instanceof Double || n instanceof Float) {
            if (n.doubleValue() != Math.rint(n.doubleValue())) {
                throw new IllegalArgumentException();
            }
        }
        if (type == Integer.class) {
            long l = n.longValue();
            if (l != (int) l) {
                throw new IllegalArgumentException();
            }
            return (int) l;
        }
        return n.longValue();
    }

    private static String show(Object v) {
        if (v instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return String.valueOf(d.longValue());
        }
        return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Setting<?> s && s.name.equals(name) && s.scope.equals(scope);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, scope);
    }

    @Override
    public String toString() {
        return name;
    }
}
