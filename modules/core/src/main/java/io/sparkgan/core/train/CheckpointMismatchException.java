package io.sparkgan.core.train;

/**
 * A checkpoint that reads back whole but belongs to another run: its networks have other shapes
 * than this configuration builds (another width, data dimension or objective), or its sampler
 * state another shard. Unlike a damaged checkpoint it is not skipped for an older one (those
 * belong to the other run too): resuming stops, naming the checkpoint and the difference.
 */
public final class CheckpointMismatchException extends IllegalArgumentException {
    private final String of;
    private final String detail;

    /**
     * @param of what the checkpoint does not belong to: "configuration" or "data"
     * @param detail the difference, e.g. "its generator is 3-16-2 but this configuration builds 3-32-2"
     */
    public CheckpointMismatchException(String of, String detail) {
        this(of, detail, null);
    }

    /** @param uri the checkpoint, named in the message (null: "the checkpoint") */
    public CheckpointMismatchException(String of, String detail, String uri) {
        super((uri == null ? "the checkpoint" : "checkpoint " + uri) + " does not belong to this " + of + ": " + detail);
        this.of = of;
        this.detail = detail;
    }

    public String of() {
        return of;
    }

    public String detail() {
        return detail;
    }
}
