package io.sparkgan.spark.runtime.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelSecurityTest {
    @Test
    void aGeneratedSecretIsThirtyTwoFreshRandomBytesThatNeverShowInText() {
        ChannelSecurity a = ChannelSecurity.generate(1, false);
        ChannelSecurity b = ChannelSecurity.generate(1, false);
        assertEquals(32, a.secret().length);
        assertFalse(Arrays.equals(a.secret(), b.secret()));
        assertEquals("ChannelSecurity[session 1, plain, frames up to 268435456 bytes]", a.toString());
        assertFalse(a.toString().contains(HexFormat.of().formatHex(a.secret(), 0, 4)));
        assertArrayEquals(a.secret(), a.forSession(2).secret(), "one secret per run, shared by its sessions");
        assertEquals(2, a.forSession(2).sessionId());
        assertEquals(1024, a.withMaxFrameBytes(1024).maxFrameBytes());
        assertThrows(IllegalArgumentException.class, () -> a.withMaxFrameBytes(0));
    }

    @Test
    void encryptionFollowsSparksNetworkEncryption() {
        assertFalse(ChannelSecurity.fromSparkConf(new SparkConf(false), 1).encrypt());
        assertTrue(ChannelSecurity.fromSparkConf(new SparkConf(false).set("spark.network.crypto.enabled", "true"), 1).encrypt());
        assertTrue(ChannelSecurity.fromSparkConf(new SparkConf(false).set("spark.authenticate.enableSaslEncryption", "true"), 1).encrypt());
        // Local-disk encryption says nothing about the network.
        assertFalse(ChannelSecurity.fromSparkConf(new SparkConf(false).set("spark.io.encryption.enabled", "true"), 1).encrypt());
        assertEquals(5, ChannelSecurity.fromSparkConf(new SparkConf(false), 5).sessionId());
    }

    @Test
    void aCopyThatTravelledThroughJavaSerializationLikeATaskClosureConnects() throws Exception {
        ChannelSecurity driver = ChannelSecurity.generate(3, true);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(driver);
        }
        ChannelSecurity task;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            task = (ChannelSecurity) in.readObject();
        }
        try (ChannelServer server = new ChannelServer(InetAddress.getLoopbackAddress(), driver);
                Channel c = Channel.connect("127.0.0.1", server.port(), task, 10_000);
                Channel d = server.accept(System.nanoTime() + TimeUnit.SECONDS.toNanos(10))) {
            c.writeFrame(new byte[] {9});
            c.flush();
            assertArrayEquals(new byte[] {9}, d.readFrame());
        }
    }
}
