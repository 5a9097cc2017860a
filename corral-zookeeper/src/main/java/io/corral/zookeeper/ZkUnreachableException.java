package io.corral.zookeeper;

/** No ZooKeeper server of an ensemble could be reached in time; the message says which ensemble and what to check. */
public class ZkUnreachableException extends RuntimeException {

    public ZkUnreachableException(String message) {
        super(message);
    }

    public ZkUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
