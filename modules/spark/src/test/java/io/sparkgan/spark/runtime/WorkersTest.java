package io.sparkgan.spark.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.checkpoint.CheckpointStore;
import io.sparkgan.core.checkpoint.ModelParts;
import io.sparkgan.spark.Shards;
import io.sparkgan.spark.SparkTestBase;
import io.sparkgan.spark.StrategyConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker runtime on a real local[2] Spark, with a worker of the test's own (a counter, so what
 * the runtime did to it is plain to see): repeated requests, restores, placement, moves.
 */
@Timeout(120)
class WorkersTest extends SparkTestBase {
    @TempDir
    Path tmp;

    /** A worker's state: which token it holds (tokens move between workers like discriminators) and a running sum. */
    static final class Counter {
        int token;
        long sum;
        final int shardSize;

        Counter(int token, long sum, int shardSize) {
            this.token = token;
            this.sum = sum;
            this.shardSize = shardSize;
        }
    }

    record CounterMeta(int token, long sum) {}

    /** Adds each request's number to the sum of the worker that holds the expected token; replies with the sum. */
    static final WorkerSide<Counter> COUNTER = new WorkerSide<>() {
        @Override
        public Counter create(WorkerContext<Counter> ctx) {
            return new Counter(ctx.worker(), 0, ctx.shard().size());
        }

        @Override
        public Map<String, CheckpointStore.PartWriter> checkpoint(Counter c) {
            return Map.of("counter.json", ModelParts.json(new CounterMeta(c.token, c.sum)));
        }

        @Override
        public Counter restore(WorkerContext<Counter> ctx, Map<String, byte[]> parts) {
            CounterMeta m = ModelParts.json(parts, "counter.json", CounterMeta.class);
            return new Counter(m.token(), m.sum(), ctx.shard().size());
        }

        @Override
        public Reply serve(WorkerContext<Counter> ctx, int target, DataInputStream request) throws IOException {
            int token = request.readInt();
            long add = request.readLong();
            Counter c = ctx.state(target - 1, x -> x.token == token);
            c.sum += add;
            long sum = c.sum;
            return new Reply(0, 0, 0, 8, out -> out.writeLong(sum));
        }
    };

    static List<byte[]> requests(int n, int t, boolean checkpoint, int[] tokens, long add) {
        List<byte[]> out = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            int token = tokens[w];
            out.add(Envelope.request(t, checkpoint, 12, o -> {
                o.writeInt(token);
                o.writeLong(add);
            }));
        }
        return out;
    }

    static long[] sums(List<Envelope.Reply> replies) throws IOException {
        long[] s = new long[replies.size()];
        for (Envelope.Reply r : replies) {
            s[r.worker()] = r.body().readLong();
        }
        return s;
    }

    Workers<Counter> workers(Shards shards, String checkpoints, boolean sessions) {
        StrategyConfig c = tiny("mdgan", shards.workers(), 10);
        return new Workers<>(sc, shards, new WorkerJob(UUID.randomUUID().toString(), c, checkpoints, "FLOAT", shards.labelled()), COUNTER, sessions);
    }

    @Test
    void aRepeatedRequestIsAnsweredAgainWithoutServingItTwice() throws IOException {
        Shards shards = Shards.iid(ring(60), 3, 9);
        for (boolean sessions : new boolean[] {true, false}) {
            try (Workers<Counter> w = workers(shards, null, sessions)) {
                w.initialise("test");
                List<byte[]> first = requests(3, 1, false, new int[] {0, 1, 2}, 5);
                assertArrayEquals(new long[] {5, 5, 5}, sums(w.exchange(first, "iteration 1")));
                // The same requests again, as a retried exchange sends them: the same answers, nothing added twice.
                assertArrayEquals(new long[] {5, 5, 5}, sums(w.exchange(first, "iteration 1 again")), "sessions " + sessions);
                assertArrayEquals(new long[] {12, 12, 12}, sums(w.exchange(requests(3, 2, false, new int[] {0, 1, 2}, 7), "iteration 2")));
                for (int i = 0; i < 3; i++) {
                    assertTrue(w.location(i).startsWith("executor_") && w.location(i).endsWith("_driver"), "worker " + i + " lives on " + w.location(i));
                }
            }
        }
    }

    @Test
    void aWorkerThatLostItsStateRestoresTheNewestCheckpointThatFitsAndCountsWhatWasLost() throws IOException {
        Shards shards = Shards.iid(ring(60), 3, 9);
        Path folder = tmp.resolve("ckpt");
        try (Workers<Counter> w = workers(shards, folder.toUri().toString(), false)) {
            w.initialise("test"); // checkpoints at iteration 0
            w.exchange(requests(3, 1, true, new int[] {0, 1, 2}, 1), "1"); // checkpoints at 1: sums 1
            w.exchange(requests(3, 2, false, new int[] {0, 1, 2}, 10), "2"); // sums 11
            // Tokens move 0 -> 1 -> 2 -> 0 at iteration 2, and every worker checkpoints at 2.
            Workers.Moved moved = w.move(2, new int[] {1, 2, 0},
                    ctx -> {
                        Counter c = ctx.state(2, x -> true);
                        return io.sparkgan.spark.Payloads.encode(4, o -> o.writeInt(c.token));
                    },
                    (ctx, m) -> ctx.state(2, x -> true).token = m.readInt(),
                    true, "move");
            assertEquals(12, moved.bytes(), "three 4-byte tokens");
            WorkerRegistry.clearAll();
            // Worker 0 is asked for token 0, which it held before the move: its checkpoint at 2 holds
            // token 2, so the one at 1 is restored and iteration 2's addition is lost.
            List<Envelope.Reply> r = w.exchange(requests(3, 3, false, new int[] {0, 0, 1}, 100), "3");
            long[] after = sums(r);
            assertEquals(1, r.get(0).restoredFrom());
            assertEquals(101, after[0], "sum 1 from the checkpoint at iteration 1, plus 100");
            assertEquals(2, r.get(1).restoredFrom(), "worker 1 holds token 0 since the move: its checkpoint at 2 fits");
            assertEquals(111, after[1]);
            // A damaged newest checkpoint is skipped for the one before it.
            Path newest = folder.resolve("workers/worker-00002/iter-000000002/counter.json");
            Files.writeString(newest, "{ not json", StandardCharsets.UTF_8);
            assertEquals(1, WorkerRegistry.<Counter>anyRun(2).token, "worker 2 holds token 1 in memory");
            WorkerRegistry.clearAll();
            List<Envelope.Reply> again = w.exchange(requests(3, 3, false, new int[] {2, 0, 2}, 1000), "3 again");
            assertEquals(1, again.get(2).restoredFrom(), "worker 2's checkpoint at 2 is unreadable: the one at 1 is used");
        }
    }

    @Test
    void withoutCheckpointsALostStateIsAnErrorNeverAFreshStart() {
        Shards shards = Shards.iid(ring(60), 2, 9);
        for (boolean sessions : new boolean[] {true, false}) {
            try (Workers<Counter> w = workers(shards, null, sessions)) {
                w.initialise("test");
                WorkerRegistry.clearAll();
                Exception e = assertThrows(IllegalStateException.class, () -> w.exchange(requests(2, 1, false, new int[] {0, 1}, 1), "1"));
                assertTrue(e.getMessage().contains("lost its state and this run keeps no checkpoints"), e.getMessage());
            }
        }
    }

    @Test
    void oneRequestReachesEveryWorkerThroughABroadcast() throws IOException {
        Shards shards = Shards.iid(ring(60), 3, 9);
        try (Workers<Counter> w = workers(shards, null, false)) {
            w.initialise("test");
            byte[] one = requests(1, 1, false, new int[] {0}, 3).get(0);
            // Only worker 0 holds token 0: the others have no fitting state and no checkpoint.
            Exception e = assertThrows(IllegalStateException.class, () -> w.broadcast(one, "broadcast"));
            assertTrue(e.getMessage().contains("worker 1 lost its state") || e.getMessage().contains("worker 2 lost its state"), e.getMessage());
        }
    }
}
