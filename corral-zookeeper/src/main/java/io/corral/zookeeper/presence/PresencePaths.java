package io.corral.zookeeper.presence;

/**
 * Where presence znodes live, {@code <root>/presence/<agentId>}, and the checks that keep bad names out.
 *
 * <p>Stateless; thread-safe.
 */
final class PresencePaths {

    static final String PRESENCE = "presence";

    private PresencePaths() {
    }

    /** {@code <root>/presence}: the parent of every agent's presence znode. */
    static String parent(String rootPath) {
        return requireRoot(rootPath) + "/" + PRESENCE;
    }

    /** {@code <root>/presence/<agentId>}. */
    static String node(String rootPath, String agentId) {
        return parent(rootPath) + "/" + requireAgentId(agentId);
    }

    static String requireRoot(String rootPath) {
        if (rootPath == null || rootPath.length() < 2 || !rootPath.startsWith("/") || rootPath.endsWith("/")) {
            throw new IllegalArgumentException("root path '" + rootPath
                    + "' must be absolute without a trailing slash, e.g. /corral");
        }
        return rootPath;
    }

    /** An agent id must be usable as one znode name (Mesos ids such as "c0ffee-...-S3" are). */
    static String requireAgentId(String agentId) {
        if (agentId == null || agentId.isBlank()) {
            throw new IllegalArgumentException("agent id must not be empty");
        }
        if (agentId.equals(".") || agentId.equals("..") || agentId.contains("/")
                || agentId.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("agent id '" + agentId
                    + "' cannot name a znode: use no '/', no control characters, and not '.' or '..'");
        }
        return agentId;
    }
}
