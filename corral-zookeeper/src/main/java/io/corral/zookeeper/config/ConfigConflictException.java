package io.corral.zookeeper.config;

/**
 * A compare-and-set lost: the setting's version is no longer the one the caller read. Nothing was written; re-read
 * the setting and decide again.
 */
public final class ConfigConflictException extends RuntimeException {
    private final String key;
    private final int expectedVersion;
    private final int actualVersion;

    public ConfigConflictException(String key, int expectedVersion, int actualVersion) {
        super(key + ": version is now " + describe(actualVersion) + ", not " + describe(expectedVersion)
                + ": re-read with `corral config get " + key + "`");
        this.key = key;
        this.expectedVersion = expectedVersion;
        this.actualVersion = actualVersion;
    }

    public String key() {
        return key;
    }

    /** The version the caller expected ({@link Setting#NEVER_SET} for "not written yet"). */
    public int expectedVersion() {
        return expectedVersion;
    }

    /** The version the setting has now ({@link Setting#NEVER_SET} if its znode does not exist). */
    public int actualVersion() {
        return actualVersion;
    }

    private static String describe(int version) {
        return version == Setting.NEVER_SET ? Setting.NEVER_SET + " (never set)" : Integer.toString(version);
    }
}
