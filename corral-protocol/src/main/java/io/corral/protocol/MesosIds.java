package io.corral.protocol;

/**
 * Mesos's rule for the ids clients choose (task, framework and agent ids): they name directories on agents and
 * znodes in the registry, so they must be non-empty, at most 255 characters, not {@code .} or {@code ..}, and free
 * of control characters and path separators ({@code docs/mesos-compatibility.md}, "IDs"; Mesos's
 * {@code common::validation::validateID}, with its messages).
 *
 * <p>Stateless and thread-safe.
 */
public final class MesosIds {
    /** Mesos's limit, the longest file name ({@code NAME_MAX}). */
    public static final int MAX_LENGTH = 255;

    private MesosIds() {}

    /** Why {@code id} is not a valid id, in Mesos's words; null when it is valid. */
    public static String invalidReason(String id) {
        if (id.isEmpty()) {
            return "ID must not be empty";
        }
        if (id.length() > MAX_LENGTH) {
            return "ID must not be greater than " + MAX_LENGTH + " characters";
        }
        if (id.equals(".") || id.equals("..")) {
            return "'" + id + "' is disallowed";
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c) || c == '/' || c == '\\') {
                return "'" + id + "' contains invalid characters";
            }
        }
        return null;
    }
}
