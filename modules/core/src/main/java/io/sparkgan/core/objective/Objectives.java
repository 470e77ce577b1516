package io.sparkgan.core.objective;

import io.sparkgan.core.GanConfig;
import io.sparkgan.core.config.Setting;
import io.sparkgan.core.config.SettingValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The objectives users choose by name, each declared once here: its name, the variants it takes
 * ({@code lgan:exp}), its settings, the defaults it recommends and how to build it. Adding an
 * objective is its class and one entry in {@link #KINDS}; its settings then appear as flags, YAML
 * keys, Spark ML params, run.json entries and README rows by themselves.
 */
public final class Objectives {
    /** How an objective is built from its variant (null when it takes none), the data's classes and the run's settings. */
    @FunctionalInterface
    public interface Factory {
        Objective create(String variant, int classes, SettingValues config);
    }

    /**
     * One objective as users choose it.
     *
     * @param name what follows {@code --objective}
     * @param variants the values after {@code name:} (empty: the objective takes no variant)
     * @param defaultVariant the variant of plain {@code name} (null when it takes none)
     * @param doc one line for tables and {@code --help}
     * @param settings the settings only this objective reads
     * @param conditional whether the objective needs labelled data, its class count taken from the data:
     *     the generator is then conditioned on a class ({@link Objective#classes()} &gt; 0, acgan) or the
     *     discriminator classifies (semi-supervised)
     * @param defaults what it recommends for the run's other settings, used where the run sets none;
     *     a supplier because those settings are declared in {@link GanConfig}, which reads this class
     */
    public record Kind(String name, List<String> variants, String defaultVariant, String doc, List<Setting<?>> settings,
            boolean conditional, Factory factory, java.util.function.Supplier<Map<Setting<?>, Object>> defaults) {
        Kind(String name, List<String> variants, String defaultVariant, String doc, List<Setting<?>> settings, boolean conditional, Factory factory) {
            this(name, variants, defaultVariant, doc, settings, conditional, factory, Map::of);
        }
    }

    public static final List<Kind> KINDS = List.of(
            new Kind("nonsaturating", List.of(), null, "Goodfellow et al. 2014, non-saturating generator loss", List.of(), false,
                    (v, classes, c) -> new NonSaturating()),
            new Kind("acgan", List.of(), null, "Odena et al. 2017, auxiliary classifier (needs labels)", List.of(), true,
                    (v, classes, c) -> new AcGan(classes)),
            new Kind("hinge", List.of(), null, "Lim & Ye 2017 / Miyato et al. 2018, hinge loss", List.of(), false,
                    (v, classes, c) -> new Hinge()),
            new Kind("least-squares", List.of(), null, "Mao et al. 2017, least-squares GAN (a=0, b=c=1)", List.of(), false,
                    (v, classes, c) -> new LeastSquares()),
            new Kind("wgan-gp", List.of(), null, "Gulrajani et al. 2017, Wasserstein critic with gradient penalty",
                    List.of(Wasserstein.LAMBDA), false, (v, classes, c) -> new Wasserstein(c.get(Wasserstein.LAMBDA)),
                    // Gulrajani et al. 2017, Algorithm 1: 5 critic steps, Adam 1e-4 with betas (0.5, 0.9).
                    () -> Map.of(GanConfig.LOCAL_STEPS, 5, GanConfig.GENERATOR_LR, 1e-4, GanConfig.DISCRIMINATOR_LR, 1e-4,
                            GanConfig.BETA1, 0.5, GanConfig.BETA2, 0.9)),
            new Kind("lgan", Lipschitz.PHIS, "exp", "Zhou et al. 2019, Lipschitz GAN with the max gradient penalty",
                    List.of(Lipschitz.LAMBDA), false, (v, classes, c) -> new Lipschitz(v, c.get(Lipschitz.LAMBDA))),
            new Kind("ebgan", List.of(), null, "Zhao, Mathieu & LeCun 2017, energy-based GAN (autoencoder D, pull-away term)",
                    List.of(EnergyBased.MARGIN, EnergyBased.PULL_AWAY), false,
                    (v, classes, c) -> new EnergyBased(c.get(EnergyBased.MARGIN), c.get(EnergyBased.PULL_AWAY))),
            new Kind("semi-supervised", List.of(), null, "Salimans et al. 2016 §5, D a (K+1)-class classifier on few labels (needs labels)",
                    List.of(SemiSupervised.LABELLED_PER_CLASS, SemiSupervised.UNSUPERVISED_WEIGHT), true,
                    (v, classes, c) -> new SemiSupervised(classes, c.get(SemiSupervised.UNSUPERVISED_WEIGHT)),
                    // The paper's best MNIST results train G by feature matching (§5, Table 1).
                    () -> Map.of(io.sparkgan.core.stabilizer.Stabilizers.SETTING, "feature-matching")));

    /** Names as users write them, variants spelled out ({@code lgan:exp}). */
    public static final List<String> NAMES = names();
    /** {@link #NAMES} for messages and docs. */
    public static final String NAMES_TEXT = String.join(", ", NAMES);
    /** Every objective's own settings, in the order of {@link #KINDS}. */
    public static final List<Setting<?>> SETTINGS = KINDS.stream().flatMap(k -> k.settings().stream()).toList();

    private Objectives() {}

    private static List<String> names() {
        List<String> n = new ArrayList<>();
        for (Kind k : KINDS) {
            if (k.variants().isEmpty()) {
                n.add(k.name());
            } else {
                k.variants().forEach(v -> n.add(k.name() + ":" + v));
            }
        }
        return List.copyOf(n);
    }

    /** The objective {@code name} of configuration {@code c}; {@code classes}: the data's classes (conditional objectives). */
    public static Objective byName(String name, int classes, SettingValues c) {
        String[] kv = split(name);
        return kind(kv[0]).factory().create(kv[1], classes, c);
    }

    /** As {@link #byName(String, int, SettingValues)} with every setting at its default. */
    public static Objective byName(String name, int classes) {
        return byName(name, classes, new GanConfig());
    }

    /** Whether the objective needs labelled data (it conditions the generator on a class, or D classifies). */
    public static boolean conditional(String name) {
        return kind(split(name)[0]).conditional();
    }

    /**
     * The class count of objective {@code name} whose discriminator has {@code outputs} outputs on
     * {@code dataDim}-dimensional data (a stored network whose configuration left the count to the
     * data); 0 for an objective that takes no labels.
     */
    public static int classesFromOutputs(String name, long outputs, int dataDim, SettingValues c) {
        if (!conditional(name)) {
            return 0;
        }
        // InfoGAN's Q and pair-classifier outputs follow the objective's own.
        outputs -= io.sparkgan.core.info.InfoCodes.extraOutputs(c);
        for (int k = 2; k <= outputs; k++) {
            if (byName(name, k, c).discriminatorOutputs(dataDim) == outputs) {
                return k;
            }
        }
        throw new IllegalArgumentException("a discriminator with " + outputs + " outputs does not fit objective " + name);
    }

    /** Null when {@code name} names an objective, else the one-line message. */
    public static String problem(String name) {
        try {
            split(name);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** Whether objective {@code name} reads setting {@code s} (one of its own). */
    public static boolean reads(String name, Setting<?> s) {
        return problem(name) == null && kind(split(name)[0]).settings().contains(s);
    }

    /** Checks the name only (the class count is known once the data is). */
    public static void validateName(String name) {
        split(name);
    }

    /** {@link #defaults} by objective name as given: looked up once per name, since every read of an unset setting asks. */
    private static final Map<String, Map<Setting<?>, Object>> DEFAULTS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The defaults objective {@code name} recommends for the run's other settings ({@link Kind#defaults});
     * none for a name that is not an objective's (it is refused by validation).
     */
    public static Map<Setting<?>, Object> defaults(String name) {
        return DEFAULTS.computeIfAbsent(name == null ? "" : name, n -> problem(n) == null ? Map.copyOf(kind(split(n)[0]).defaults().get()) : Map.of());
    }

    private static Kind kind(String name) {
        for (Kind k : KINDS) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("objective '" + name + "' is unknown; expected one of " + NAMES);
    }

    /** {kind, variant} of a name such as {@code lgan:exp}, {@code lgan} (its default variant) or {@code ns}. */
    private static String[] split(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT).trim();
        if (n.equals("ns")) {
            n = "nonsaturating";
        }
        int colon = n.indexOf(':');
        String kindName = colon < 0 ? n : n.substring(0, colon);
        Kind k;
        try {
            k = kind(kindName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("objective '" + name + "' is unknown; expected one of " + NAMES);
        }
        if (colon < 0) {
            return new String[] {kindName, k.defaultVariant()};
        }
        String variant = n.substring(colon + 1);
        if (!k.variants().contains(variant)) {
            throw new IllegalArgumentException("objective '" + name + "' is unknown; expected one of " + NAMES);
        }
        return new String[] {kindName, variant};
    }
}
