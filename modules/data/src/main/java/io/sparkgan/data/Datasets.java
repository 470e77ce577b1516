package io.sparkgan.data;

import java.util.List;

/** The datasets the command line knows by name. */
public final class Datasets {
    public static final List<String> NAMES = List.of("grid25", "ring8");

    private Datasets() {}

    /** A built-in synthetic mixture by name. */
    public static GaussianMixture mixture(String name) {
        return switch (name) {
            case "grid25" -> GaussianMixture.grid25();
            case "ring8" -> GaussianMixture.ring8();
            default -> throw new IllegalArgumentException("dataset '" + name + "' is unknown; expected one of " + NAMES);
        };
    }

    public static void validateName(String name) {
        mixture(name);
    }
}
