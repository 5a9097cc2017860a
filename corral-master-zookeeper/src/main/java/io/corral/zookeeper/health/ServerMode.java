package io.corral.zookeeper.health;

import java.util.Locale;

/** The role a ZooKeeper server reports for itself ({@code zk_server_state} in {@code mntr}, {@code Mode:} in {@code srvr}). */
public enum ServerMode {
    LEADER,
    FOLLOWER,
    OBSERVER,
    STANDALONE,
    /** Not known: the server did not answer, is not serving (no quorum yet), or reported a mode this code does not know. */
    UNKNOWN;

    /** Parses a mode as ZooKeeper prints it ("leader", "follower"...); anything else is {@link #UNKNOWN}. */
    public static ServerMode parse(String text) {
        if (text == null) {
            return UNKNOWN;
        }
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return UNKNOWN;
        }
    }

    /** True for the modes of a server that answers clients. */
    public boolean isServing() {
        return this != UNKNOWN;
    }

    /** The name as ZooKeeper prints it: "leader", "follower", "observer", "standalone", "unknown". */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
