package io.corral.zookeeper.config;

/** ZooKeeper could not be read or written (connection lost, session expired, interrupted). Safe to retry. */
public final class ConfigStoreException extends RuntimeException {
    public ConfigStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
