package io.sparkgan.core.train;

/**
 * Training stopped at a {@link StopSignal} request, after the step in flight.
 *
 * @param iteration the iteration the run reached
 * @param checkpoint the iteration of the checkpoint a resume continues from (-1: the run keeps no checkpoints)
 */
public final class RunInterruptedException extends RuntimeException {
    private final int iteration;
    private final int checkpoint;

    public RunInterruptedException(int iteration, int checkpoint) {
        super("stopped at iteration " + iteration + (checkpoint >= 0 ? "; checkpoint written at iteration " + checkpoint : "; this run keeps no checkpoints"));
        this.iteration = iteration;
        this.checkpoint = checkpoint;
    }

    public int iteration() {
        return iteration;
    }

    public int checkpoint() {
        return checkpoint;
    }
}
