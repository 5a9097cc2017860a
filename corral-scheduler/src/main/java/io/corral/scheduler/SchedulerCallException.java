package io.corral.scheduler;

/** A call the master answered with something other than 202 Accepted, or could not be sent at all. */
public final class SchedulerCallException extends RuntimeException {
    private final int statusCode;

    /** @param statusCode the HTTP status, or 0 when the call never got an answer */
    public SchedulerCallException(String callType, int statusCode, String message) {
        super(callType + (statusCode > 0 ? " failed: " + statusCode + " " : " failed: ") + message);
        this.statusCode = statusCode;
    }

    public SchedulerCallException(String callType, String message, Throwable cause) {
        super(callType + " failed: " + message, cause);
        this.statusCode = 0;
    }

    /** The HTTP status of the answer, or 0 when there was none (not subscribed, connection refused...). */
    public int statusCode() {
        return statusCode;
    }
}
