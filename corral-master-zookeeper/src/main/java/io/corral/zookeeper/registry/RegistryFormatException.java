package io.corral.zookeeper.registry;

/** A registry document could not be read: it is malformed, or written in a format this version does not know. */
public final class RegistryFormatException extends RuntimeException {

    public RegistryFormatException(String message) {
        super(message);
    }

    public RegistryFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code cause}, naming the znode it was read from and what an operator can do about it. */
    static RegistryFormatException inZnode(String path, RegistryFormatException cause) {
        return new RegistryFormatException(path + ": " + cause.getMessage()
                + " (fix or remove this znode to let a master recover)", cause);
    }
}
