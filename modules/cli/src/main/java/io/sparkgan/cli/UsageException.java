package io.sparkgan.cli;

/** Bad input from the user: reported as one line, exit code 2, before anything is written. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
