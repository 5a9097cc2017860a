package io.corral.frameworks.common;

/**
 * A write was refused because the process no longer leads: its latch znode is gone (its session ended, or the latch
 * was reset or closed). Nothing was written; the process must stop deciding and let the new leader take over.
 */
public final class FencedException extends FrameworkStoreException {
    public FencedException(String message) {
        super(message, null);
    }
}
