package io.corral.zookeeper.registry;

/**
 * A registry write failed for a reason other than fencing (e.g. ZooKeeper refused an operation), after the store's
 * own repairs and retries. The changes of the failed request were not applied.
 */
public final class RegistryWriteException extends RuntimeException {

    public RegistryWriteException(String message) {
        super(message);
    }

    public RegistryWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
