package io.corral.protocol.http;

/**
 * A request that cannot be served, with the HTTP status and the message the client should see.
 *
 * <p>A handler may simply throw it: the server answers with the status and the message as {@code text/plain}.
 */
public final class HttpError extends RuntimeException {
    private final int status;

    public HttpError(int status, String message) {
        super(message);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("HttpError needs a 4xx or 5xx status, not " + status);
        }
        this.status = status;
    }

    public int status() {
        return status;
    }
}
