package io.sparkgan.spark.runtime.channel;

import java.io.IOException;

/**
 * A channel could not be opened or a frame could not be read: the peer failed the handshake,
 * declared a frame over the limit, or sent a frame that failed authentication. The message is one
 * line naming the peer and the reason; it never contains key material.
 */
public class ChannelException extends IOException {
    private static final long serialVersionUID = 1L;

    public ChannelException(String message) {
        super(message);
    }

    public ChannelException(String message, Throwable cause) {
        super(message, cause);
    }
}
