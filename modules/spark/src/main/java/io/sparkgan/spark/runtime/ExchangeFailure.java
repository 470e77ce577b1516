package io.sparkgan.spark.runtime;

import java.util.List;

/**
 * An exchange with the workers failed in a way a retry can mend: a connection to an executor
 * broke (the executor was lost) or an executor stopped answering. The runtime retries the same
 * requests; workers that already answered repeat their answer, the others are restored from their
 * checkpoints wherever their tasks run next.
 *
 * @param executorId the executor at fault, or null when unknown
 * @param hung whether it stopped answering (it is killed before the retry) rather than disappeared
 */
final class ExchangeFailure extends RuntimeException {
    final String executorId;
    final List<Integer> workers;
    final boolean hung;

    ExchangeFailure(String message, String executorId, List<Integer> workers, boolean hung, Throwable cause) {
        super(message, cause);
        this.executorId = executorId;
        this.workers = workers;
        this.hung = hung;
    }
}
