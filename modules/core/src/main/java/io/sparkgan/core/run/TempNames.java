package io.sparkgan.core.run;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Names for folders that are written under a temporary name and then renamed into place
 * (datasets, checkpoints, cached classifiers): {@code .<target>.<kind>-<host>-<pid>-<random>}.
 *
 * <p>Why the host and process: a writer that is killed (Ctrl-C during a fetch, {@code kill -9}, a lost
 * executor) leaves its folder behind, and nothing else would ever remove it. Readers ignore such
 * folders, so they are litter rather than damage; the next writer on the same host removes the
 * ones whose process is gone ({@link #abandoned}). Folders of live processes, or of other hosts
 * (whose processes cannot be checked from here), are left alone.
 */
public final class TempNames {
    private static final String HOST = hostName();
    private static final long PID = ProcessHandle.current().pid();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern OWNER = Pattern.compile("\\.(?:tmp|old)-([A-Za-z0-9.-]+)-(\\d+)-[a-z0-9]+$");

    private TempNames() {}

    /** A fresh name for {@code target}'s work-in-progress ({@code kind} "tmp") or set-aside ("old") copy. */
    public static String of(String target, String kind) {
        if (!kind.equals("tmp") && !kind.equals("old")) {
            throw new IllegalArgumentException("kind must be tmp or old, got " + kind);
        }
        return "." + target + "." + kind + "-" + HOST + "-" + PID + "-" + Long.toUnsignedString(RANDOM.nextLong(), 36);
    }

    /**
     * Whether {@code name} is a temporary name of {@code target} (a regular expression for the
     * target's name) written by a process of this host that no longer runs.
     */
    public static boolean abandoned(String name, String target) {
        if (!name.startsWith(".") || !name.substring(1).matches(target + "\\.(tmp|old)-.*")) {
            return false;
        }
        Matcher m = OWNER.matcher(name);
        if (!m.find() || !m.group(1).equals(HOST)) {
            return false;
        }
        long pid = Long.parseLong(m.group(2));
        return pid != PID && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    /** The target a temporary name belongs to ({@code .iter-000000003.tmp-…} gives {@code iter-000000003}). */
    public static String target(String name) {
        int at = Math.max(name.lastIndexOf(".tmp-"), name.lastIndexOf(".old-"));
        if (!name.startsWith(".") || at <= 1) {
            throw new IllegalArgumentException(name + " is not a temporary name");
        }
        return name.substring(1, at);
    }

    /** Whether a temporary name is a set-aside ("old") copy rather than a work in progress. */
    public static boolean setAside(String name) {
        return name.lastIndexOf(".old-") > name.lastIndexOf(".tmp-");
    }

    /**
     * Clears what killed writers of {@code target} (a regular expression for the target's name)
     * left in {@code dir}: abandoned temporary folders are deleted, and a set-aside copy whose
     * replacement never arrived is put back, since it is the only copy.
     *
     * @return the names cleared or put back
     */
    public static List<String> clearAbandoned(FileSystem fs, Path dir, String target) throws IOException {
        List<String> cleared = new ArrayList<>();
        if (!fs.exists(dir)) {
            return cleared;
        }
        for (FileStatus st : fs.listStatus(dir)) {
            String n = st.getPath().getName();
            if (!abandoned(n, target)) {
                continue;
            }
            Path original = new Path(dir, target(n));
            if (setAside(n) && !fs.exists(original)) {
                if (!fs.rename(st.getPath(), original)) {
                    throw new IOException("cannot put " + st.getPath() + " back as " + original);
                }
            } else {
                fs.delete(st.getPath(), true);
            }
            cleared.add(n);
        }
        return cleared;
    }

    /** This machine's name, reduced to characters every file system accepts. */
    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                h = "localhost";
            }
        }
        String clean = h.replaceAll("[^A-Za-z0-9.-]", "-");
        return clean.isEmpty() ? "localhost" : clean;
    }
}
