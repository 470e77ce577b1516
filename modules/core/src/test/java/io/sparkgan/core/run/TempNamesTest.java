package io.sparkgan.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

public class TempNamesTest {
    /** The PID of a process that has exited and been reaped. */
    public static long deadPid() throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-XX:-UsePerfData", "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        return p.pid();
    }

    /** A temporary name of {@code target} as process {@code pid} of this host would have made it. */
    public static String ownedBy(long pid, String target, String kind) {
        return TempNames.of(target, kind).replace("-" + ProcessHandle.current().pid() + "-", "-" + pid + "-");
    }

    @Test
    void namesSayWhatTheyAreForAndWhoWritesThem() {
        String a = TempNames.of("iter-000000003", "tmp");
        String b = TempNames.of("iter-000000003", "tmp");
        assertNotEquals(a, b);
        assertTrue(a.startsWith(".iter-000000003.tmp-") && a.contains("-" + ProcessHandle.current().pid() + "-"), a);
        assertEquals("iter-000000003", TempNames.target(a));
        assertFalse(TempNames.setAside(a));
        assertTrue(TempNames.setAside(TempNames.of("mnist", "old")));
        assertThrows(IllegalArgumentException.class, () -> TempNames.of("mnist", "bak"));
        assertThrows(IllegalArgumentException.class, () -> TempNames.target("mnist"));
    }

    @Test
    void onlyFoldersOfDeadProcessesOnThisHostAreAbandoned() throws Exception {
        long dead = deadPid();
        assertTrue(TempNames.abandoned(ownedBy(dead, "mnist", "tmp"), "mnist"));
        assertTrue(TempNames.abandoned(ownedBy(dead, "iter-000000007", "old"), "iter-\\d{9}"));
        assertFalse(TempNames.abandoned(TempNames.of("mnist", "tmp"), "mnist"), "this process is alive");
        assertFalse(TempNames.abandoned(ownedBy(dead, "mnist", "tmp"), "fashion-mnist"), "another target");
        String otherHost = ownedBy(dead, "mnist", "tmp").replaceFirst("\\.tmp-[A-Za-z0-9.-]+?-" + dead + "-", ".tmp-elsewhere-" + dead + "-");
        assertFalse(TempNames.abandoned(otherHost, "mnist"), "processes of other hosts cannot be checked from here");
        assertFalse(TempNames.abandoned("mnist", "mnist"));
        assertFalse(TempNames.abandoned(".mnist.tmp-7sd2k", "mnist"), "an old-style name without an owner");
    }
}
