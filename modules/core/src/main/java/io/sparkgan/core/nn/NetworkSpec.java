package io.sparkgan.core.nn;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The shape of one network (generator or discriminator), independent of its input and output sizes.
 *
 * <ul>
 *   <li>{@code mlp}: fully connected layers of the given widths with {@code activation}; the paper's
 *       MNIST networks (Hardy et al., MD-GAN, IPDPS 2019, §V) are {@code mlp [512, 512]}.
 *   <li>{@code dcgan}: the DCGAN layout of Radford et al. (ICLR 2016) for 28×28×1 images. For a
 *       generator {@code widths = [c7, c14]} are the channels at 7×7 and 14×14 (transposed
 *       convolutions, batch normalisation, ReLU); for a discriminator {@code [c14, c7]} are the
 *       channels of two stride-2 convolutions (leaky ReLU, no batch normalisation, so that a
 *       worker's real and generated batches stay independent samples).
 * </ul>
 *
 * @param kind {@code mlp} or {@code dcgan}
 * @param widths hidden widths (mlp) or channel counts (dcgan)
 * @param activation hidden activation: relu, leakyrelu (slope 0.2), tanh, sigmoid, elu, identity
 * @param outputActivation activation of the last layer (generator: tanh for images, identity for
 *     2-D points; discriminators always end in identity logits)
 */
public record NetworkSpec(
        @JsonProperty("kind") String kind,
        @JsonProperty("widths") int[] widths,
        @JsonProperty("activation") String activation,
        @JsonProperty("output-activation") String outputActivation)
        implements Serializable {

    public static final List<String> KINDS = List.of("mlp", "dcgan");
    public static final List<String> ACTIVATIONS =
            List.of("relu", "leakyrelu", "tanh", "sigmoid", "elu", "identity", "softplus");

    public NetworkSpec {
        kind = kind == null ? "mlp" : kind.toLowerCase(Locale.ROOT);
        widths = widths == null ? new int[] {128, 128} : widths.clone();
        activation = activation == null ? "relu" : activation.toLowerCase(Locale.ROOT);
        outputActivation = outputActivation == null ? "identity" : outputActivation.toLowerCase(Locale.ROOT);
        validate(kind, widths, activation, outputActivation);
    }

    /**
     * Parses the compact form used on the command line and in YAML:
     * {@code kind:w1,w2[:activation[:output-activation]]}, e.g. {@code mlp:512,512:relu:tanh}.
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static NetworkSpec parse(String text) {
        String[] parts = text.trim().split(":", -1);
        if (parts.length < 2 || parts.length > 4) {
            throw new IllegalArgumentException("network '" + text + "' is malformed; expected kind:w1,w2[:activation[:output-activation]], e.g. mlp:128,128:relu:identity");
        }
        int[] w;
        try {
            w = Arrays.stream(parts[1].split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("network '" + text + "' has widths '" + parts[1] + "'; expected comma-separated positive integers");
        }
        return new NetworkSpec(parts[0], w, parts.length > 2 ? parts[2] : null, parts.length > 3 ? parts[3] : null);
    }

    public static NetworkSpec mlp(String activation, String outputActivation, int... widths) {
        return new NetworkSpec("mlp", widths, activation, outputActivation);
    }

    private static void validate(String kind, int[] widths, String activation, String outputActivation) {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("network kind '" + kind + "' is unknown; expected one of " + KINDS);
        }
        for (String a : new String[] {activation, outputActivation}) {
            if (!ACTIVATIONS.contains(a)) {
                throw new IllegalArgumentException("activation '" + a + "' is unknown; expected one of " + ACTIVATIONS);
            }
        }
        for (int w : widths) {
            if (w <= 0) {
                throw new IllegalArgumentException(
                        "network widths must be positive, got " + Arrays.toString(widths));
            }
        }
        if (kind.equals("dcgan") && widths.length != 2) {
            throw new IllegalArgumentException(
                    "a dcgan network takes exactly two channel counts, got " + Arrays.toString(widths));
        }
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkSpec s
                && kind.equals(s.kind)
                && Arrays.equals(widths, s.widths)
                && activation.equals(s.activation)
                && outputActivation.equals(s.outputActivation);
    }

    @Override
    public int hashCode() {
        return (kind.hashCode() * 31 + Arrays.hashCode(widths)) * 31 + activation.hashCode() * 7 + outputActivation.hashCode();
    }

    /** The compact form {@link #parse} reads (also how run.json records the network). */
    @JsonValue
    @Override
    public String toString() {
        return kind + ":" + Arrays.stream(widths).mapToObj(String::valueOf).reduce((a, b) -> a + "," + b).orElse("") + ":" + activation + ":" + outputActivation;
    }
}
