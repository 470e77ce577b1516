package io.sparkgan.spark.runtime;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the cluster for one run: which executors run the run's tasks right now (so a hung one
 * can be named and killed) and which executors are lost (so connections to them are dropped at
 * once instead of waiting for a timeout). Spark's listener bus calls it on its own thread.
 */
final class RunMonitor extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger(RunMonitor.class);

    private final String group;
    private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
    private final Map<Long, String> running = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Consumer<String>> onLost = new CopyOnWriteArrayList<>();
    private final Set<String> removed = ConcurrentHashMap.newKeySet();

    RunMonitor(String group) {
        this.group = group;
    }

    /** Calls {@code listener} with the id of every executor lost from now on. */
    void onExecutorLost(Consumer<String> listener) {
        onLost.add(listener);
    }

    void removeListener(Consumer<String> listener) {
        onLost.remove(listener);
    }

    /** Executors running a task of this run's jobs now. */
    Set<String> busyExecutors() {
        return new TreeSet<>(running.values());
    }

    /**
     * Waits until Spark has removed executor {@code id} (after a kill), at most {@code millis}: until
     * then the scheduler may still offer the dead executor's free slots to a retry's tasks.
     */
    boolean awaitRemoved(String id, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!removed.contains(id) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return removed.contains(id);
    }

    @Override
    public void onJobStart(SparkListenerJobStart e) {
        String g = e.properties() == null ? null : e.properties().getProperty("spark.jobGroup.id");
        if (group.equals(g)) {
            scala.collection.Iterator<Object> it = e.stageIds().iterator();
            while (it.hasNext()) {
                stages.add((Integer) it.next());
            }
        }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart e) {
        if (stages.contains(e.stageId())) {
            running.put(e.taskInfo().taskId(), e.taskInfo().executorId());
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        running.remove(e.taskInfo().taskId());
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded e) {
        LOG.info("executor {} joined on {} with {} cores", e.executorId(), e.executorInfo().executorHost(), e.executorInfo().totalCores());
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
        LOG.warn("executor {} was lost: {}", e.executorId(), e.reason() == null ? "no reason given" : e.reason().lines().findFirst().orElse(""));
        removed.add(e.executorId());
        running.values().removeIf(e.executorId()::equals);
        for (Consumer<String> l : onLost) {
            l.accept(e.executorId());
        }
    }
}
