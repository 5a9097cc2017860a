package io.corral.zookeeper.registry;

/** A registry document could not be read: it is malformed, or written in a format this version does not know. */
public final class RegistryFormatException extends RuntimeException {

    public RegistryFormatException(String message) {
        super(message);
    }

    public RegistryFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
