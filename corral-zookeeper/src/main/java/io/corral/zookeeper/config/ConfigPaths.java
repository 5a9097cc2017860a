package io.corral.zookeeper.config;

/**
 * Where configuration lives under a Corral root path, e.g. {@code /corral}:
 * {@code /corral/config/<key>} for settings and {@code /corral/config-audit/<key>/entry-<sequence>} for their history.
 *
 * @param root absolute root path without a trailing slash
 */
record ConfigPaths(String root) {

    static final String AUDIT_ENTRY_PREFIX = "entry-";

    ConfigPaths {
        if (root == null || root.length() < 2 || !root.startsWith("/") || root.endsWith("/")) {
            throw new IllegalArgumentException("root path '" + root
                    + "' must be absolute without a trailing slash, e.g. /corral");
        }
    }

    String settings() {
        return root + "/config";
    }

    String setting(String key) {
        return settings() + "/" + key;
    }

    String audit(String key) {
        return root + "/config-audit/" + key;
    }

    /** The path a persistent-sequential create appends the sequence number to. */
    String auditEntryPrefix(String key) {
        return audit(key) + "/" + AUDIT_ENTRY_PREFIX;
    }

    /** The sequence number of an audit entry's znode name, or -1 when the name is not an audit entry's. */
    static long auditSequence(String childName) {
        if (!childName.startsWith(AUDIT_ENTRY_PREFIX)) {
            return -1;
        }
        String digits = childName.substring(AUDIT_ENTRY_PREFIX.length());
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Long.parseLong(digits);
    }
}
