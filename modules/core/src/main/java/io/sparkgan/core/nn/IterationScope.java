package io.sparkgan.core.nn;

import java.util.function.Supplier;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs one training iteration inside a cyclic ND4J workspace, so the iteration's temporaries reuse
 * the same memory every time instead of fresh native buffers.
 *
 * <p>Why: ND4J frees a buffer only when the Java GC collects its array, so without reuse nearly every
 * temporary lands on fresh pages, and first-touch page faults cost more than the arithmetic (measured
 * in docs/benchmarks.md: an uninitialised 784×512 float array took longer than the GEMM filling it).
 * Nothing allocated inside may be used after the scope ends: results that must outlive it are
 * copied out (to Java arrays or bytes) before the scope closes.
 */
public final class IterationScope {
    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.2)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    private IterationScope() {}

    /** Runs {@code body} in the workspace named {@code name} (one per kind of loop and thread). */
    public static <T> T run(String name, Supplier<T> body) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, name)) {
            return body.get();
        }
    }
}
