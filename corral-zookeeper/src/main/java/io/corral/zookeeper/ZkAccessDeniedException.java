package io.corral.zookeeper;

/**
 * ZooKeeper refused an operation for lack of rights (NoAuth) under Corral's root: usually a wrong user or password in
 * the zk:// URL, or no credentials for a cluster that has them. The message is one line that says what to check and
 * never contains the password.
 */
public class ZkAccessDeniedException extends RuntimeException {

    private final String path;

    private ZkAccessDeniedException(String path, String message) {
        super(message);
        this.path = path;
    }

    /** Access to {@code path} was denied to a client connected with {@code url}. */
    public static ZkAccessDeniedException forUrl(String path, ZkUrl url) {
        String advice = url.credentials().isPresent()
                ? "check the user and password in " + url
                : "its znodes are protected; give Corral's user and password in the URL, zk://USER:PASSWORD@"
                        + url.connectString() + url.rootPath();
        return new ZkAccessDeniedException(path, "ZooKeeper denied access to " + path + ": " + advice);
    }

    /** Access to {@code path} was denied, where the URL the client connected with is not at hand. */
    public static ZkAccessDeniedException forPath(String path) {
        return new ZkAccessDeniedException(path, "ZooKeeper denied access to " + path
                + ": check the user and password of the zk:// URL (zk://USER:PASSWORD@host:port/path)");
    }

    /** The znode ZooKeeper refused. */
    public String path() {
        return path;
    }
}
