package io.corral.agent.containerizer;

/**
 * A user account a task runs as, from the agent's user database.
 *
 * <p>Immutable.
 */
record TaskUser(String name, long uid, long gid, String home) {

    /** Parses a {@code passwd} line ("name:x:uid:gid:gecos:home:shell"); throws on a malformed one. */
    static TaskUser parsePasswd(String line) {
        String[] fields = line.trim().split(":", -1);
        if (fields.length < 7) {
            throw new IllegalArgumentException("not a passwd entry: " + line);
        }
        return new TaskUser(fields[0], Long.parseLong(fields[2]), Long.parseLong(fields[3]), fields[5]);
    }
}
