package io.sparkgan.core.objective;

import java.util.List;
import java.util.Locale;

/** Objectives by name. Later objectives (WGAN-GP, Lipschitz GANs, EBGAN, ACGAN) register here. */
public final class Objectives {
    public static final List<String> NAMES = List.of("nonsaturating");

    private Objectives() {}

    public static Objective byName(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "nonsaturating", "ns" -> new NonSaturating();
            default -> throw new IllegalArgumentException("objective '" + name + "' is unknown; expected one of " + NAMES);
        };
    }
}
