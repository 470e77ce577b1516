package io.sparkgan.data.images;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Pixel conversions shared by every image source: 8-bit pixels to features in [-1, 1]
 * ({@code v / 127.5 - 1}), grayscale and RGB conversion, bilinear resizing. Intermediate images are
 * packed {@code 0xRRGGBB} ints, row-major.
 */
public final class Pixels {
    private Pixels() {}

    /** An 8-bit value (0..255) as a feature: {@code v / 127.5 - 1}, so 0 → -1 and 255 → 1. */
    public static double scale(int v) {
        return v / 127.5 - 1.0;
    }

    /** Unsigned grayscale bytes straight to features (the IDX fast path: no resize, one channel). */
    public static double[] grayFeatures(byte[] gray) {
        double[] f = new double[gray.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = scale(gray[i] & 0xff);
        }
        return f;
    }

    /** Unsigned grayscale bytes as packed RGB with R = G = B. */
    public static int[] grayToRgb(byte[] gray) {
        int[] rgb = new int[gray.length];
        for (int i = 0; i < rgb.length; i++) {
            int v = gray[i] & 0xff;
            rgb[i] = v << 16 | v << 8 | v;
        }
        return rgb;
    }

    /**
     * The image's pixels as packed RGB; alpha is ignored. Grayscale images are read from their raster
     * rather than through {@link BufferedImage#getRGB}, which would pass them through a linear-to-sRGB
     * conversion and change their values.
     */
    public static int[] rgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] out = new int[w * h];
        Raster r = img.getRaster();
        if (!(img.getColorModel() instanceof IndexColorModel) && img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            int bits = r.getSampleModel().getSampleSize(0);
            int max = (1 << bits) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int s = r.getSample(x, y, 0);
                    int v = bits == 8 ? s : bits > 8 ? s >>> (bits - 8) : s * 255 / max;
                    out[y * w + x] = v << 16 | v << 8 | v;
                }
            }
            return out;
        }
        img.getRGB(0, 0, w, h, out, 0, w);
        for (int i = 0; i < out.length; i++) {
            out[i] &= 0xffffff;
        }
        return out;
    }

    /** Bilinear resize (java.awt) of a packed RGB image from {@code w x h} to {@code nw x nh}. */
    public static int[] resize(int[] rgb, int w, int h, int nw, int nh) {
        if (w == nw && h == nh) {
            return rgb;
        }
        BufferedImage src = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        src.setRGB(0, 0, w, h, rgb, 0, w);
        BufferedImage dst = new BufferedImage(nw, nh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, nw, nh, null);
        } finally {
            g.dispose();
        }
        return rgb(dst);
    }

    /**
     * Packed RGB pixels as features in [-1, 1]: one luma value per pixel for {@code channels = 1}
     * (ITU-R BT.601, {@code round(0.299 R + 0.587 G + 0.114 B)}, so gray pixels keep their value), or
     * R, G, B per pixel (channel-last) for {@code channels = 3}.
     */
    public static double[] features(int[] rgb, int channels) {
        double[] f = new double[rgb.length * channels];
        for (int i = 0; i < rgb.length; i++) {
            int r = rgb[i] >>> 16 & 0xff;
            int g = rgb[i] >>> 8 & 0xff;
            int b = rgb[i] & 0xff;
            if (channels == 1) {
                f[i] = scale((299 * r + 587 * g + 114 * b + 500) / 1000);
            } else {
                f[3 * i] = scale(r);
                f[3 * i + 1] = scale(g);
                f[3 * i + 2] = scale(b);
            }
        }
        return f;
    }
}
