package io.sparkgan.core.train;

import java.io.Serializable;

/**
 * Bytes moved by a strategy, cumulative since the start of the run: driver → workers, workers →
 * driver, and worker ↔ worker. These are the bytes the strategy serialised for transfer (payloads
 * it encodes itself), so they can be checked against the paper's traffic formulas (Hardy et al.,
 * IPDPS 2019, Table II).
 */
public record Traffic(long toWorkers, long fromWorkers, long betweenWorkers) implements Serializable {
    public static final Traffic NONE = new Traffic(0, 0, 0);

    public Traffic plus(long to, long from, long between) {
        return new Traffic(toWorkers + to, fromWorkers + from, betweenWorkers + between);
    }
}
