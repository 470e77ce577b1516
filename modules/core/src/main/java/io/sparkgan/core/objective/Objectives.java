package io.sparkgan.core.objective;

import java.util.List;
import java.util.Locale;

/** Objectives by name. Later objectives (WGAN-GP, Lipschitz GANs, EBGAN) register here. */
public final class Objectives {
    public static final List<String> NAMES = List.of("nonsaturating", "acgan");

    private Objectives() {}

    /**
     * The objective called {@code name}; {@code classes} is the number of classes of the data (0 when
     * unlabelled), which conditional objectives need.
     */
    public static Objective byName(String name, int classes) {
        return switch (canonical(name)) {
            case "nonsaturating" -> new NonSaturating();
            default -> new AcGan(classes);
        };
    }

    /** Whether the objective conditions the generator on a class (and so needs labelled data). */
    public static boolean conditional(String name) {
        return canonical(name).equals("acgan");
    }

    /** Checks the name only (the class count is known once the data is). */
    public static void validateName(String name) {
        canonical(name);
    }

    private static String canonical(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "nonsaturating", "ns" -> "nonsaturating";
            case "acgan" -> "acgan";
            default -> throw new IllegalArgumentException("objective '" + name + "' is unknown; expected one of " + NAMES);
        };
    }
}
