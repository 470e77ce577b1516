package io.sparkgan.core.config;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Values of declared {@link Setting}s: what was set explicitly, and each declaration's default for
 * the rest. A configuration class lists its settings once ({@link #settings()}); JSON and YAML keys
 * are those settings' names (through {@link #toMap()} and {@link #put}), so a configuration cannot
 * have a key that is not declared, and run.json lists every setting with its effective value.
 */
@JsonAutoDetect(getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE,
        setterVisibility = JsonAutoDetect.Visibility.NONE, fieldVisibility = JsonAutoDetect.Visibility.NONE,
        creatorVisibility = JsonAutoDetect.Visibility.NONE)
public abstract class SettingValues implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, Object> values = new LinkedHashMap<>();

    /** Every setting of this configuration, in the order run.json and the README's table list them. */
    public abstract List<Setting<?>> settings();

    /** The value of {@code s}: the one set, else its default. */
    public final <T> T get(Setting<T> s) {
        Object v = values.get(s.name());
        return v != null ? s.type().cast(v) : defaultOf(s);
    }

    /** The default of {@code s} in this configuration (a component may change a default, see GanConfig). */
    protected <T> T defaultOf(Setting<T> s) {
        return s.defaultValue();
    }

    /** Sets {@code s} (null: back to its default). Checked by {@link #validate()}, not here, so values can be layered. */
    public final <T> void set(Setting<T> s, T value) {
        if (value == null) {
            values.remove(s.name());
        } else {
            values.put(s.name(), value);
        }
    }

    /** Whether {@code s} was set explicitly (by a preset, a file, a flag or code). */
    public final boolean isSet(Setting<?> s) {
        return values.containsKey(s.name());
    }

    /** The setting called {@code key}, or null. */
    public final Setting<?> setting(String key) {
        for (Setting<?> s : settings()) {
            if (s.name().equals(key)) {
                return s;
            }
        }
        return null;
    }

    /** Every key, sorted (for messages about an unknown key). */
    public final TreeSet<String> keys() {
        TreeSet<String> keys = new TreeSet<>();
        settings().forEach(s -> keys.add(s.name()));
        return keys;
    }

    /** Every setting's effective value, keyed by name, in declaration order (what run.json holds). */
    @JsonAnyGetter
    public final Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Setting<?> s : settings()) {
            m.put(s.name(), json(s));
        }
        return m;
    }

    private <T> Object json(Setting<T> s) {
        return s.toJson(get(s));
    }

    /**
     * Sets the setting called {@code key} from a JSON/YAML/Spark value. Throws {@link UnknownKey}
     * for a key no setting has, IllegalArgumentException for a value of the wrong form.
     */
    @JsonAnySetter
    public final void put(String key, Object raw) {
        Setting<?> s = setting(key);
        if (s == null) {
            throw new UnknownKey(key, keys());
        }
        putValue(s, raw);
    }

    /**
     * Sets this configuration from {@code stored}, a configuration written earlier (run.json's
     * {@code config}): every key as {@link #put}, and each setting the stored one predates to the
     * value its absence meant ({@link Setting#absentMeans}).
     */
    public final void fromStored(Map<?, ?> stored) {
        stored.forEach((k, v) -> put(String.valueOf(k), v));
        for (Setting<?> s : settings()) {
            if (!stored.containsKey(s.name()) && s.absentMeans() != null) {
                putValue(s, s.absentMeans());
            }
        }
    }

    private <T> void putValue(Setting<T> s, Object raw) {
        set(s, s.fromValue(raw));
    }

    /** Checks every setting; throws IllegalArgumentException naming the first bad value and what is allowed. */
    public void validate() {
        for (Setting<?> s : settings()) {
            check(s);
        }
    }

    private <T> void check(Setting<T> s) {
        s.validate(get(s));
    }

    /** A key that no setting has. */
    public static final class UnknownKey extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String key;
        private final TreeSet<String> known;

        public UnknownKey(String key, TreeSet<String> known) {
            super("unknown key '" + key + "'; expected one of " + known);
            this.key = key;
            this.known = known;
        }

        public String key() {
            return key;
        }

        public TreeSet<String> known() {
            return known;
        }
    }
}
