package io.sparkgan.spark.runtime;

import java.util.List;

/**
 * An exchange with the workers failed in a way a retry can mend: a connection to an executor
 * broke (the executor was lost) or an executor stopped answering. The runtime retries the same
 * requests; workers that already answered repeat their answer, the others are restored from their
 * checkpoints wherever their tasks run next.
 *
 * @param executors the executors at fault (empty when unknown)
 * @param hung whether it stopped answering (it is killed before the retry) rather than disappeared
 */
final class ExchangeFailure extends RuntimeException {
    final java.util.Set<String> executors;
    final List<Integer> workers;
    final boolean hung;

    ExchangeFailure(String message, String executorId, List<Integer> workers, boolean hung, Throwable cause) {
        this(message, executorId == null ? java.util.Set.of() : java.util.Set.of(executorId), workers, hung, cause);
    }

    ExchangeFailure(String message, java.util.Set<String> executors, List<Integer> workers, boolean hung, Throwable cause) {
        super(message, cause);
        this.executors = executors;
        this.workers = workers;
        this.hung = hung;
    }
}
