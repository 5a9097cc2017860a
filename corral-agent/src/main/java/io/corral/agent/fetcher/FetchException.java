package io.corral.agent.fetcher;

import java.io.IOException;

/** A URI could not be fetched or unpacked; the message says why, in words fit for the task's status message. */
public final class FetchException extends IOException {
    public FetchException(String message) {
        super(message);
    }

    public FetchException(String message, Throwable cause) {
        super(message, cause);
    }
}
