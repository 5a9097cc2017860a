package io.corral.zookeeper.registry;

/**
 * A registry write refused before it was sent, because one of its documents can never be stored: it could not be
 * encoded, or it is larger than a ZooKeeper write may be. Retrying cannot help; what was asked must change (a
 * framework's 2 MB name, an agent's thousands of attributes). Nothing of the request was written.
 */
public final class UnstorableDocumentException extends IllegalArgumentException {

    public UnstorableDocumentException(String message) {
        super(message);
    }

    public UnstorableDocumentException(String message, Throwable cause) {
        super(message, cause);
    }
}
