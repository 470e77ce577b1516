package io.sparkgan.spark.runtime.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HandshakeTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static byte[] range(int from, int to) {
        byte[] b = new byte[to - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void hkdfMatchesRfc5869TestVectors() {
        byte[] ikm = new byte[22];
        Arrays.fill(ikm, (byte) 0x0b);
        // A.1: basic test case with SHA-256.
        byte[] prk = Handshake.hkdfExtract(range(0x00, 0x0d), ikm);
        assertArrayEquals(hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"), prk);
        assertArrayEquals(hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
                Handshake.hkdfExpand(prk, range(0xf0, 0xfa), 42));
        // A.3: zero-length salt and info.
        prk = Handshake.hkdfExtract(new byte[0], ikm);
        assertArrayEquals(hex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"), prk);
        assertArrayEquals(hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
                Handshake.hkdfExpand(prk, new byte[0], 42));
    }

    @Test
    void theTwoProofsDifferSoOneCannotBeReflectedAsTheOther() {
        ChannelSecurity s = ChannelSecurity.generate(4, false);
        byte[] hello = Handshake.clientHello(s, Handshake.nonce());
        assertEquals(Handshake.CLIENT_HELLO_BYTES, hello.length);
        byte[] ns = Handshake.nonce();
        assertFalse(Arrays.equals(Handshake.proof(s.secret(), Handshake.SERVER_PROOF, hello, ns), Handshake.proof(s.secret(), Handshake.CLIENT_PROOF, hello, ns)));
        assertEquals(Handshake.SERVER_PROOF.length(), Handshake.CLIENT_PROOF.length(), "equal-length labels keep the MAC input unambiguous");
    }
}
