package io.sparkgan.metrics;

import io.sparkgan.core.train.Evaluator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mode coverage of a Gaussian mixture, as defined by VEEGAN (Srivastava et al., NeurIPS 2017, §5.1)
 * and PacGAN (Lin et al., NeurIPS 2018, Table 1): a sample is <em>high quality</em> if it lies within
 * 3 standard deviations of its nearest mode; a mode is <em>covered</em> if it is the nearest mode of at
 * least one high-quality sample; the <em>reverse KL</em> is KL(p ‖ uniform) where p is the histogram of
 * high-quality samples over their nearest modes (0 for perfect balance, log M for a single mode;
 * undefined, reported as NaN, when no sample is high quality).
 */
public final class ModeCoverage implements Evaluator {
    public static final String MODES_COVERED = "modes_covered";
    public static final String HIGH_QUALITY_PCT = "high_quality_pct";
    public static final String REVERSE_KL = "reverse_kl";

    private final double[][] modes;
    private final double std;

    public ModeCoverage(double[][] modes, double std) {
        if (modes.length == 0 || !(std > 0)) {
            throw new IllegalArgumentException("mode coverage needs at least one mode and a positive std");
        }
        this.modes = modes;
        this.std = std;
    }

    /** The three figures for one sample set. */
    public record Result(int modesCovered, double highQualityPct, double reverseKl, int[] histogram) {}

    public Result evaluate(double[][] samples) {
        int[] hist = new int[modes.length];
        int hq = 0;
        double limit = 3 * std;
        for (double[] s : samples) {
            int best = -1;
            double bestDist = Double.POSITIVE_INFINITY;
            for (int m = 0; m < modes.length; m++) {
                double dist = 0;
                for (int j = 0; j < s.length; j++) {
                    double t = s[j] - modes[m][j];
                    dist += t * t;
                }
                if (dist < bestDist) {
                    bestDist = dist;
                    best = m;
                }
            }
            if (Math.sqrt(bestDist) <= limit) {
                hist[best]++;
                hq++;
            }
        }
        int covered = 0;
        double kl = 0;
        for (int count : hist) {
            if (count > 0) {
                covered++;
                double p = (double) count / hq;
                kl += p * Math.log(p * modes.length);
            }
        }
        return new Result(covered, samples.length == 0 ? 0 : 100.0 * hq / samples.length, hq == 0 ? Double.NaN : kl, hist);
    }

    @Override
    public List<String> metricNames() {
        return List.of(MODES_COVERED, HIGH_QUALITY_PCT, REVERSE_KL);
    }

    @Override
    public Map<String, Double> evaluate(INDArray samples) {
        Result r = evaluate(samples.toDoubleMatrix());
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(MODES_COVERED, (double) r.modesCovered());
        m.put(HIGH_QUALITY_PCT, r.highQualityPct());
        m.put(REVERSE_KL, r.reverseKl());
        return m;
    }
}
