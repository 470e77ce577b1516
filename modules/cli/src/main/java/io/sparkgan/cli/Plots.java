package io.sparkgan.cli;

import io.sparkgan.core.run.RunFolder;
import io.sparkgan.data.ImageShape;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG renderings of samples: scatter plots for 2-D data, grids for square grayscale images. */
public final class Plots {
    static {
        Fonts.load();
    }

    private Plots() {}

    /** A scatter plot of real and generated 2-D points, each axis fitted to the points; either set may be null. */
    public static void scatter(Path png, String title, double[][] real, double[][] generated) {
        scatter(png, title, real, generated, null, null);
    }

    /**
     * A scatter plot of real points (grey circles) and generated points (red crosses, drawn on top),
     * with a legend below the plot so that no point is hidden.
     *
     * @param xRange {min, max} of the x axis, or null to fit the points (the same for {@code yRange});
     *               comparisons pass one range for every strategy so their pictures can be compared
     */
    public static void scatter(Path png, String title, double[][] real, double[][] generated, double[] xRange, double[] yRange) {
        XYChart chart = scatterChart(title, "x", "y", 5);
        if (xRange != null) {
            chart.getStyler().setXAxisMin(xRange[0]).setXAxisMax(xRange[1]);
        }
        if (yRange != null) {
            chart.getStyler().setYAxisMin(yRange[0]).setYAxisMax(yRange[1]);
        }
        if (real != null) {
            XYSeries s = chart.addSeries("real data (" + real.length + ")", column(real, 0), column(real, 1));
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(REAL);
        }
        if (generated != null) {
            XYSeries s = chart.addSeries("generated (" + generated.length + ")", column(generated, 0), column(generated, 1));
            s.setMarker(SeriesMarkers.CROSS);
            s.setMarkerColor(GENERATED);
        }
        RunFolder.writeAtomically(png, tmp -> ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", tmp.toFile()));
    }

    /**
     * A scatter plot of codes (their first two coordinates), one colour per class, or one colour
     * when {@code labels} is null: an adversarial autoencoder's picture of its latent space.
     */
    public static void codes(Path png, String title, double[][] codes, int[] labels) {
        XYChart chart = scatterChart(title, "z1", "z2", 4);
        java.util.Map<Integer, java.util.List<double[]>> byClass = new java.util.TreeMap<>();
        for (int i = 0; i < codes.length; i++) {
            byClass.computeIfAbsent(labels == null ? -1 : labels[i], k -> new java.util.ArrayList<>()).add(codes[i]);
        }
        // Past ten classes the colours repeat, and a legend of them would be wider than the plot.
        chart.getStyler().setLegendVisible(byClass.size() <= CLASS_COLOURS.length);
        for (java.util.Map.Entry<Integer, java.util.List<double[]>> e : byClass.entrySet()) {
            double[][] pts = e.getValue().toArray(new double[0][]);
            double[] y = pts[0].length > 1 ? column(pts, 1) : new double[pts.length];
            XYSeries s = chart.addSeries(e.getKey() < 0 ? "codes (" + pts.length + ")" : "class " + e.getKey(), column(pts, 0), y);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(e.getKey() < 0 ? GENERATED : CLASS_COLOURS[e.getKey() % CLASS_COLOURS.length]);
        }
        RunFolder.writeAtomically(png, tmp -> ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", tmp.toFile()));
    }

    /** An empty scatter chart on a white background, its legend below the plot so that no point is hidden. */
    private static XYChart scatterChart(String title, String xTitle, String yTitle, int markerSize) {
        XYChart chart = new XYChartBuilder().width(640).height(680).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(markerSize);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        return chart;
    }

    /** Ten distinguishable colours (matplotlib's tab10), half transparent so dense clusters stay readable. */
    static final Color[] CLASS_COLOURS = {new Color(31, 119, 180, 140), new Color(255, 127, 14, 140), new Color(44, 160, 44, 140),
            new Color(214, 39, 40, 140), new Color(148, 103, 189, 140), new Color(140, 86, 75, 140), new Color(227, 119, 194, 140),
            new Color(127, 127, 127, 140), new Color(188, 189, 34, 140), new Color(23, 190, 207, 140)};

    /** Colour of real points: light grey, so the generated points drawn over them stand out. */
    static final Color REAL = new Color(140, 140, 140, 110);
    /** Colour of generated points. */
    static final Color GENERATED = new Color(214, 39, 40, 150);

    /** Writes 2-D points as {@code kind,x,y} rows (kind {@code real} or {@code generated}). */
    static void writePoints(Path csv, double[][] real, double[][] generated) {
        StringBuilder b = new StringBuilder("kind,x,y\n");
        for (double[] p : real) {
            b.append("real,").append(p[0]).append(',').append(p[1]).append('\n');
        }
        for (double[] p : generated) {
            b.append("generated,").append(p[0]).append(',').append(p[1]).append('\n');
        }
        RunFolder.writeAtomically(csv, tmp -> java.nio.file.Files.writeString(tmp, b, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Points written by {@link #writePoints}: [0] real, [1] generated. */
    static double[][][] readPoints(Path csv) throws java.io.IOException {
        java.util.List<double[]> real = new java.util.ArrayList<>();
        java.util.List<double[]> generated = new java.util.ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(csv)) {
            String[] f = line.split(",");
            if (f.length != 3 || f[0].equals("kind")) {
                continue;
            }
            double[] p = {Double.parseDouble(f[1]), Double.parseDouble(f[2])};
            (f[0].equals("real") ? real : generated).add(p);
        }
        return new double[][][] {real.toArray(new double[0][]), generated.toArray(new double[0][])};
    }

    /** Square grayscale images (values in [-1, 1]) tiled in a grid of {@code columns} columns. */
    public static void imageGrid(Path png, double[][] images, int columns) {
        int side = (int) Math.round(Math.sqrt(images[0].length));
        if (side * side != images[0].length) {
            throw new IllegalArgumentException("samples of dimension " + images[0].length + " are neither 2-D points nor square images; write .csv instead");
        }
        imageGrid(png, images, new ImageShape(side, side, 1), columns);
    }

    /**
     * Images of {@code shape} (values in [-1, 1], row-major, channel-last) tiled in a grid of
     * {@code columns} columns, with a 2-pixel dark border.
     */
    public static void imageGrid(Path png, double[][] images, ImageShape shape, int columns) {
        int h = shape.height();
        int w = shape.width();
        int ch = shape.channels();
        int rows = (images.length + columns - 1) / columns;
        int pad = 2;
        BufferedImage img = new BufferedImage(columns * (w + pad) + pad, rows * (h + pad) + pad,
                ch == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(Color.DARK_GRAY);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.dispose();
        for (int k = 0; k < images.length; k++) {
            int x0 = pad + (k % columns) * (w + pad);
            int y0 = pad + (k / columns) * (h + pad);
            for (int i = 0; i < h * w; i++) {
                for (int c = 0; c < ch; c++) {
                    int v = (int) Math.round(Math.max(0, Math.min(1, (images[k][i * ch + c] + 1) / 2)) * 255);
                    img.getRaster().setSample(x0 + i % w, y0 + i / w, c, v);
                }
            }
        }
        RunFolder.writeAtomically(png, tmp -> ImageIO.write(img, "png", tmp.toFile()));
    }

    /** Scatter for 2-D samples, image grid otherwise. */
    public static void samples(Path png, String title, double[][] real, double[][] generated) {
        if (generated[0].length == 2) {
            scatter(png, title, real, generated);
        } else {
            imageGrid(png, generated, (int) Math.ceil(Math.sqrt(generated.length)));
        }
    }

    private static double[] column(double[][] m, int j) {
        double[] c = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i][j];
        }
        return c;
    }
}
