package io.corral.master;

/**
 * A call the master refuses, decided on the loop before anything changed: a domain error, with Mesos's message. The
 * HTTP room alone turns its {@link Reason} into a status code ({@code http.Responses}); the master's logic never
 * speaks HTTP.
 */
public final class Rejected extends RuntimeException {

    /** Why, in the terms Mesos's answers distinguish. */
    public enum Reason {
        /** The call is malformed or names something it may not (Mesos: 400 Bad Request). */
        INVALID,
        /** The caller may not do this now (403: not subscribed, not registered, marked gone, machine down). */
        FORBIDDEN,
        /** What the call names does not exist (404). */
        NOT_FOUND,
        /** The call is valid but conflicts with the current state: resources not free, an agent busy (409). */
        CONFLICT,
        /** The master cannot decide now: a change in flight, or the registry refused the write; retry (503). */
        UNAVAILABLE
    }

    private final Reason reason;

    public Rejected(Reason reason, String message) {
        super(message, null, false, false); // an answer, not a fault: no stack trace to fill
        this.reason = java.util.Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }

    static Rejected invalid(String message) {
        return new Rejected(Reason.INVALID, message);
    }

    static Rejected forbidden(String message) {
        return new Rejected(Reason.FORBIDDEN, message);
    }

    static Rejected notFound(String message) {
        return new Rejected(Reason.NOT_FOUND, message);
    }

    static Rejected conflict(String message) {
        return new Rejected(Reason.CONFLICT, message);
    }

    static Rejected unavailable(String message) {
        return new Rejected(Reason.UNAVAILABLE, message);
    }
}
