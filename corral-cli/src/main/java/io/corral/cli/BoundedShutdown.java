package io.corral.cli;

import java.time.Duration;

/**
 * Runs a server's close() from a shutdown hook, but gives up waiting after a bound: closing talks to ZooKeeper
 * (withdrawing a candidacy, deleting a presence znode), and when ZooKeeper is already gone that could otherwise hold
 * SIGTERM for a minute of retries. Ephemeral znodes vanish with the session anyway.
 */
public final class BoundedShutdown {
    static final Duration LIMIT = Duration.ofSeconds(10);

    private BoundedShutdown() {}

    public static void run(String what, Runnable close) {
        Thread closer = new Thread(close, what + "-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(LIMIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            System.err.println(what + ": did not stop cleanly within " + LIMIT.toSeconds()
                    + "s (is ZooKeeper reachable?); exiting anyway");
        }
    }
}
