package io.corral.protocol.concurrent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Shutting down a process's parts: each is closed even if an earlier one fails, and nulls are skipped. */
public final class Closeables {
    private static final Logger LOG = LoggerFactory.getLogger(Closeables.class);

    private Closeables() {}

    /** Closes each in order; failures are logged at debug (a process that stops has nothing better to do). */
    public static void closeAll(AutoCloseable... closeables) {
        for (AutoCloseable closeable : closeables) {
            if (closeable == null) {
                continue;
            }
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("closing {} failed", closeable, e);
            }
        }
    }
}
