package io.sparkgan.data;

import java.io.Serializable;

/**
 * The shape of image samples. A sample's feature vector holds {@code height * width * channels}
 * values in row-major order, channel-last: the value of channel {@code c} of the pixel in row
 * {@code y}, column {@code x} is at index {@code (y * width + x) * channels + c} (for RGB, c = 0, 1,
 * 2 is red, green, blue).
 *
 * @param height rows of pixels
 * @param width columns of pixels
 * @param channels 1 (grayscale) or 3 (RGB)
 */
public record ImageShape(int height, int width, int channels) implements Serializable {
    public ImageShape {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size " + height + "x" + width + " is invalid; expected positive height and width");
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels is " + channels + "; expected 1 (grayscale) or 3 (RGB)");
        }
    }

    /** Values per sample: height × width × channels. */
    public int size() {
        return Math.multiplyExact(Math.multiplyExact(height, width), channels);
    }

    /** {@code HxWxC}, e.g. {@code 28x28x1}. */
    @Override
    public String toString() {
        return height + "x" + width + "x" + channels;
    }
}
