package io.corral.protocol;

/**
 * Mesos's rules for role names ({@code roles::validate}) and the role tree they form: {@code eng/web} is a child of
 * {@code eng}. {@code *} is the default role (unreserved resources); it cannot be part of a path.
 *
 * <p>Stateless and thread-safe.
 */
public final class Roles {
    /** The role of unreserved resources. */
    public static final String DEFAULT = "*";

    private Roles() {}

    /**
     * Why Mesos would refuse this role name, or null when it is valid: not empty, not {@code .} or {@code ..}, no
     * leading or trailing or doubled {@code /}, no whitespace or control characters, no path component starting
     * with {@code -}, and not {@code *} as part of a path.
     */
    public static String invalidReason(String role) {
        if (role.isEmpty()) {
            return "a role name must not be empty";
        }
        if (role.equals(DEFAULT)) {
            return null;
        }
        if (role.startsWith("/") || role.endsWith("/") || role.contains("//")) {
            return "role '" + role + "' must not start or end with '/' or contain '//'";
        }
        for (String part : role.split("/")) {
            if (part.equals(".") || part.equals("..") || part.startsWith("-") || part.equals("*")) {
                return "role '" + role + "' has an invalid component '" + part + "'";
            }
        }
        if (role.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)
                || c == '\\')) {
            return "role '" + role + "' must not contain whitespace, control characters or '\\'";
        }
        return null;
    }

    /** True when {@code role} is {@code ancestor} or below it in the role tree ({@code eng/web} is within {@code eng}). */
    public static boolean isWithin(String role, String ancestor) {
        return role.equals(ancestor) || isStrictSubrole(role, ancestor);
    }

    /** True when {@code role} is strictly below {@code ancestor}: {@code eng/web} is a strict subrole of {@code eng}. */
    public static boolean isStrictSubrole(String role, String ancestor) {
        return role.length() > ancestor.length() + 1 && role.startsWith(ancestor)
                && role.charAt(ancestor.length()) == '/';
    }
}
