package io.sparkgan.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads Java2D's fonts without leaving the JDK's font cache in the user's home folder.
 *
 * <p>Why: on Linux the JDK's fontconfig support writes {@code ~/.java/fonts/<version>/fcinfo-*.properties}
 * the first time any text is drawn (plot titles, axis labels), and the only setting it reads for
 * the location is {@code user.home}. So the fonts are loaded once, while {@code user.home} points at
 * a temporary folder that is deleted right after; the cache is a pure speed-up the JDK rebuilds
 * when missing. Done before Spark starts (from {@link Main}) and, for library use, by the classes
 * that draw, so no other thread reads {@code user.home} meanwhile in the command-line case.
 */
final class Fonts {
    private static boolean loaded;

    private Fonts() {}

    static synchronized void load() {
        if (loaded) {
            return;
        }
        loaded = true;
        String home = System.getProperty("user.home");
        Path scratch;
        try {
            scratch = Files.createTempDirectory("sparkgan-fonts");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the font cache: " + e.getMessage(), e);
        }
        System.setProperty("user.home", scratch.toString());
        try {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = img.createGraphics();
            g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 12));
            g.getFontMetrics().stringWidth("sparkgan");
            g.dispose();
        } catch (RuntimeException | LinkageError | InternalError | java.awt.AWTError e) {
            // No usable fonts (no fontconfig, say): commands that draw nothing must still run, and
            // the first plot reports the problem where it happens.
        } finally {
            System.setProperty("user.home", home);
            Main.deleteRecursively(scratch);
        }
    }
}
