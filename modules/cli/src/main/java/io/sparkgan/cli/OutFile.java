package io.sparkgan.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The file a command writes ({@code --out} of {@code sample} and {@code classify}), checked before any work. */
final class OutFile {
    private OutFile() {}

    /**
     * Refuses, in one line, a name without one of {@code suffixes}, an existing file without
     * {@code overwrite}, and a folder.
     */
    static void check(Path out, boolean overwrite, String... suffixes) {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        String expected = Arrays.stream(suffixes).collect(Collectors.joining(" or "));
        if (Arrays.stream(suffixes).noneMatch(name::endsWith)) {
            throw new UsageException("--out '" + out + "' must end in " + expected);
        }
        if (Files.exists(out) && !overwrite) {
            throw new UsageException("--out '" + out + "' exists; choose a new file or pass --overwrite");
        }
        if (Files.isDirectory(out)) {
            throw new UsageException("--out '" + out + "' is a folder; expected a file name ending in " + expected);
        }
    }
}
