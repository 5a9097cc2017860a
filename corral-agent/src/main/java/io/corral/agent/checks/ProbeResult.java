package io.corral.agent.checks;

/**
 * What one probe found: a value when it could be performed (a command's exit code, an HTTP status code, 1 or 0 for
 * a TCP connection that succeeded or not), or why it could not be (it timed out, could not start...).
 *
 * <p>Immutable.
 */
public record ProbeResult(boolean performed, int value, String error) {
    public static ProbeResult of(int value) {
        return new ProbeResult(true, value, null);
    }

    public static ProbeResult failed(String error) {
        return new ProbeResult(false, 0, error);
    }
}
