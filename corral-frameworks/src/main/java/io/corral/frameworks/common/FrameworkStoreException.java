package io.corral.frameworks.common;

/** A read or write of the {@link FrameworkStore} failed (ZooKeeper unreachable, a document unreadable...). */
public class FrameworkStoreException extends RuntimeException {
    public FrameworkStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
