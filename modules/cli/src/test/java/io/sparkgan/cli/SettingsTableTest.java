package io.sparkgan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkgan.core.config.Setting;
import io.sparkgan.core.objective.Wasserstein;
import io.sparkgan.spark.StrategyConfig;
import io.sparkgan.spark.ml.GanEstimator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * One declaration per setting: the README's table, the flags, the YAML keys, the Spark ML params and
 * run.json all come from the same list, so none can lack a setting the others have.
 */
class SettingsTableTest {
    private static final Path README = Path.of("../../README.md");

    @Test
    void theReadmesTableIsTheGeneratedOne() throws Exception {
        String readme = Files.readString(README);
        int from = readme.indexOf(SettingsTable.BEGIN);
        int to = readme.indexOf(SettingsTable.END);
        String expected = SettingsTable.markdown();
        if (Boolean.getBoolean("sparkgan.update-readme") && from >= 0 && to > from) {
            readme = readme.substring(0, from) + expected + readme.substring(to + SettingsTable.END.length() + 1);
            Files.writeString(README, readme);
            return;
        }
        assertTrue(from >= 0 && to > from, "README.md has no generated settings table");
        assertEquals(expected, readme.substring(from, to + SettingsTable.END.length() + 1),
                "README's settings table is out of date; regenerate it with: mvn -B -pl modules/cli -am test -Dtest=SettingsTableTest "
                        + "-Dsurefire.failIfNoSpecifiedTests=false -Dsparkgan.update-readme=true");
    }

    @Test
    void everySettingIsAFlagAYamlKeyAParamAndARunJsonEntry() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.execute("train", "--help"));
        } finally {
            System.setOut(old);
        }
        String help = out.toString(StandardCharsets.UTF_8);
        GanEstimator estimator = new GanEstimator();
        for (Setting<?> s : SettingsTable.rows()) {
            assertTrue(help.contains(s.flag()), "train --help lacks " + s.flag());
            assertTrue(Configs.toMap(new RunConfig()).containsKey(s.name()), "run.json lacks " + s.name());
            if (StrategyConfig.SETTINGS.contains(s)) {
                assertEquals(s.camelName(), estimator.param(s.name()).name(), "the Spark ML param of " + s.name());
            }
        }
        assertTrue(help.contains("Default: 10."), "--help shows defaults: " + help);
    }

    @Test
    void aComponentsSettingReachesTheRunFromEveryEntry() throws Exception {
        // The flag,
        ConfigOptions flag = new ConfigOptions().flag(Wasserstein.LAMBDA, 3.5);
        assertEquals(3.5, flag.resolve(c -> {}).get(Wasserstein.LAMBDA));
        // the YAML key,
        Path yaml = Files.createTempFile(Path.of("target"), "gp", ".yaml");
        try {
            Files.writeString(yaml, "objective: wgan-gp\ngp-weight: 2.5\n");
            ConfigOptions file = new ConfigOptions();
            file.config = yaml;
            RunConfig c = file.resolve(x -> {});
            assertEquals(2.5, c.get(Wasserstein.LAMBDA));
            assertEquals(5, c.getLocalSteps(), "wgan-gp's own default for the critic steps");
            // run.json, read back,
            assertEquals(2.5, Configs.fromMap(Configs.toMap(c)).get(Wasserstein.LAMBDA));
        } finally {
            Files.deleteIfExists(yaml);
        }
        // and the Spark ML param, under its camel-case name.
        StrategyConfig fromParams = new GanEstimator().setObjective("wgan-gp").setSetting("gpWeight", 4.0).toConfig();
        assertEquals(4.0, fromParams.get(Wasserstein.LAMBDA));
        assertEquals(5, fromParams.getLocalSteps(), "params left alone take the objective's defaults");
    }
}
