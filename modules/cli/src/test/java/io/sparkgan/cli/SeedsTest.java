package io.sparkgan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed list of a comparison: parsed in one place, refused up front with one line, exit 2 and nothing written. */
class SeedsTest {
    @TempDir
    Path tmp;

    @Test
    void aSeedListIsParsedInOrderAndAnEmptyOneMeansTheSeed() {
        assertEquals(List.of(3L, 1L, 2L), RunConfig.parseSeeds("3,1,2"));
        assertEquals(List.of(4L, -5L), RunConfig.parseSeeds(" 4 , -5 "));
        RunConfig c = new RunConfig();
        c.setSeed(9);
        assertEquals(List.of(9L), c.seedList(), "no seeds: just the seed");
        c.setSeeds("7,8");
        assertEquals(List.of(7L, 8L), c.seedList());
        assertEquals("", RunConfig.SEEDS.defaultValue());
        assertEquals("seeds", RunConfig.SEEDS.name());
    }

    @Test
    void emptyListsNonNumbersAndDuplicatesAreRefusedNamingTheValue() {
        String expected = "expected comma-separated distinct whole numbers such as 1,2,3";
        String[][] cases = {
            {"", "seeds '' is empty; " + expected},
            {" , ", "seeds ' , ' is empty; " + expected},
            {"1,,2", "seeds '1,,2' has an empty entry; " + expected},
            {"1,x", "seeds '1,x': 'x' is not a whole number; " + expected},
            {"1.5", "seeds '1.5': '1.5' is not a whole number; " + expected},
            {"1,2,1", "seeds '1,2,1': 1 appears twice; " + expected},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunConfig.parseSeeds(c[0]), c[0]);
            assertEquals(c[1], e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new RunConfig().setSeeds("2,2").validate());
    }

    private static String errorLine(CliTest.Result r, String command) {
        List<String> lines = r.err().lines().filter(l -> l.startsWith(command + ":")).toList();
        assertEquals(1, lines.size(), r.err());
        return lines.get(0);
    }

    @Test
    void compareRefusesABadSeedListWithExitTwoAndLeavesNoFolder() throws Exception {
        Path out = tmp.resolve("never");
        String expected = "expected comma-separated distinct whole numbers such as 1,2,3";
        String[][] cases = {
            {"", "compare: --seeds '' is empty; " + expected},
            {"1,a", "compare: seeds '1,a': 'a' is not a whole number; " + expected},
            {"2,3,2", "compare: seeds '2,3,2': 2 appears twice; " + expected},
        };
        for (String[] c : cases) {
            CliTest.Result r = CliTest.run("compare", "--seeds", c[0], "--iterations", "5", "--out", out.toString());
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertEquals(c[1], errorLine(r, "compare"));
            assertFalse(Files.exists(out), "nothing written for --seeds '" + c[0] + "'");
        }
    }

    @Test
    void theYamlKeyIsCheckedTheSameWayAndTrainRefusesIt() throws Exception {
        Path out = tmp.resolve("never");
        Path cfg = tmp.resolve("c.yaml");
        Files.writeString(cfg, "seeds: 1,x\n");
        CliTest.Result bad = CliTest.run("compare", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(2, bad.code(), bad.err());
        assertEquals("compare: seeds '1,x': 'x' is not a whole number; expected comma-separated distinct whole numbers such as 1,2,3", errorLine(bad, "compare"));
        Files.writeString(cfg, "seeds: ''\n");
        CliTest.Result empty = CliTest.run("compare", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(2, empty.code(), empty.err());
        assertEquals("compare: config file '" + cfg + "': key 'seeds' has value ''; expected comma-separated distinct whole numbers such as 1,2,3",
                errorLine(empty, "compare"));
        Files.writeString(cfg, "seeds: [1, 2]\n");
        CliTest.Result list = CliTest.run("compare", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(2, list.code(), list.err());
        assertEquals("compare: config file '" + cfg + "': key 'seeds' has value [1,2] (a list); expected comma-separated distinct whole numbers such as 1,2,3",
                errorLine(list, "compare"));
        Files.writeString(cfg, "seeds: 1,2\n");
        CliTest.Result train = CliTest.run("train", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(2, train.code(), train.err());
        assertEquals("train: seeds '1,2' is for compare; train runs one seed: expected --seed N (and no --seeds or seeds key)", errorLine(train, "train"));
        assertFalse(Files.exists(out));
    }
}
