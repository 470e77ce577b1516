package io.sparkgan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layering of a run's settings: defaults, then one preset, then the config file, then flags. */
class ConfigOptionsTest {
    @TempDir
    Path tmp;

    private Path file(String yaml) throws Exception {
        Path f = tmp.resolve("run.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void thePresetFlagReplacesTheFilesPresetAndTheFilesKeysStillWinOverIt() throws Exception {
        ConfigOptions o = new ConfigOptions();
        o.preset = "MDGAN-MNIST-MLP";
        o.config = file("preset: dcgan-mnist\nbatch-size: 32\n");
        o.flag(RunConfig.ITERATIONS, 7);
        RunConfig c = o.resolve(x -> {});
        assertEquals("mdgan-mnist-mlp", c.getPreset(), "the flag names the preset");
        assertEquals("acgan", c.getObjective(), "the flag's preset, not the file's (dcgan-mnist is nonsaturating)");
        assertEquals("mlp:512,512:relu:tanh", c.getGenerator().toString(), "nothing of the file's preset is applied");
        assertEquals(10, c.getWorkers(), "the flag's preset sets what the file leaves alone");
        assertEquals(32, c.getBatchSize(), "the file wins over the preset");
        assertEquals(7, c.getIterations(), "the flag wins over the file");
    }

    @Test
    void theFilesPresetGoesUnderTheFilesOwnKeys() throws Exception {
        ConfigOptions o = new ConfigOptions();
        o.config = file("batch-size: 32\npreset: DCGAN-MNIST\n");
        RunConfig c = o.resolve(x -> {});
        assertEquals("dcgan-mnist", c.getPreset());
        assertEquals("nonsaturating", c.getObjective());
        assertEquals(32, c.getBatchSize(), "a key before 'preset' in the file still wins over the preset");
        assertEquals(5000, c.getIterations(), "the preset wins over the defaults");
    }

    @Test
    void aPresetFlagWithoutAFileAndAnUnknownPresetInAFile() throws Exception {
        ConfigOptions flag = new ConfigOptions();
        flag.preset = "dcgan-mnist";
        flag.flag(RunConfig.BATCH_SIZE, 64);
        RunConfig c = flag.resolve(x -> {});
        assertEquals("dcgan-mnist", c.getPreset());
        assertEquals(64, c.getBatchSize());

        ConfigOptions bad = new ConfigOptions();
        bad.config = file("preset: cifar-big\n");
        UsageException e = assertThrows(UsageException.class, () -> bad.resolve(x -> {}));
        assertEquals("config file '" + bad.config + "': key 'preset' has value 'cifar-big'; expected one of [mdgan-mnist-mlp, dcgan-mnist]", e.getMessage());
    }
}
