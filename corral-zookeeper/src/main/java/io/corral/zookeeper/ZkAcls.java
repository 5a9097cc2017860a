package io.corral.zookeeper;

import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.proto.CreateRequest;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * The one place that decides which ACLs Corral's znodes get, as Mesos does:
 * <ul>
 *   <li>Without credentials in the zk:// URL every znode is open ({@code OPEN_ACL_UNSAFE}).</li>
 *   <li>With {@code zk://user:password@...} Corral's digest identity gets every right on every znode it creates.
 *       Everyone else may only READ the root path, its parents and the masters' {@code json.info_} znodes (Mesos's
 *       {@code EVERYONE_READ_CREATOR_ALL}): Mesos detectors connect without credentials, list the root's children
 *       and read the lowest {@code json.info_}. The built-in frameworks' leader latches are readable the same way
 *       ({@code <root>/frameworks/<name>/leader} and its participants, which hold only the participant's REST URL),
 *       so CLI clients without ZooKeeper credentials find the leading Services or Jobs process. Everything else
 *       (registry, config, presence, app definitions...) is Corral's alone.</li>
 * </ul>
 *
 * <p>Corral's identity is written out as {@code digest:user:base64(sha1(user:password))} rather than the
 * {@code auth} scheme: the ACL then does not depend on which identities a session happens to carry, and every
 * master and agent started with the same URL gets the same ACL.
 *
 * <p>Every create goes through this class: Curator creates through the {@link ACLProvider} that {@link ZkClients}
 * installs; creates on the raw ZooKeeper handle (the contender's, raw {@code multi}s) take their ACLs from
 * {@link #forCreate(CuratorFramework, String)} or {@link #aclFor(String)}. Znodes that existed before credentials
 * were added keep their ACLs.
 *
 * <p>Immutable; thread-safe.
 */
public final class ZkAcls implements ACLProvider {

    /** Where the built-in frameworks keep their state, under the root: {@code <root>/frameworks/<name>}. */
    public static final String FRAMEWORKS_NODE = "frameworks";
    /** A built-in framework's leader latch, under {@code <root>/frameworks/<name>}. */
    public static final String FRAMEWORK_LEADER_NODE = "leader";

    private static final ACL EVERYONE_READ = new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE);

    private final String rootPath;
    private final List<ACL> privateAcl;
    private final List<ACL> publicReadAcl;

    private ZkAcls(String rootPath, List<ACL> privateAcl, List<ACL> publicReadAcl) {
        this.rootPath = rootPath;
        this.privateAcl = privateAcl;
        this.publicReadAcl = publicReadAcl;
    }

    /** The ACL policy for the root path and credentials of {@code url}. */
    public static ZkAcls of(ZkUrl url) {
        Objects.requireNonNull(url, "url");
        if (url.credentials().isEmpty()) {
            return new ZkAcls(url.rootPath(), ZooDefs.Ids.OPEN_ACL_UNSAFE, ZooDefs.Ids.OPEN_ACL_UNSAFE);
        }
        ACL corral = new ACL(ZooDefs.Perms.ALL, identity(url.credentials().get()));
        return new ZkAcls(url.rootPath(), aclList(corral), aclList(EVERYONE_READ, corral));
    }

    /** Not List.of: ZooKeeper asks ACL lists whether they contain null, which List.of answers with an NPE. */
    private static List<ACL> aclList(ACL... acls) {
        return Collections.unmodifiableList(Arrays.asList(acls));
    }

    /**
     * The digest identity ZooKeeper gives a session authenticated with these credentials:
     * {@code digest:user:base64(sha1(user:password))}, computed by ZooKeeper's own provider so it always matches.
     */
    public static Id identity(ZkUrl.Credentials credentials) {
        try {
            String digest = DigestAuthenticationProvider.generateDigest(credentials.user() + ":" + credentials.password());
            return new Id("digest", digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA1, which ZooKeeper's digest authentication needs", e);
        }
    }

    /** ACLs for a new znode at {@code path}. */
    public List<ACL> aclFor(String path) {
        return isPublicReadable(path) ? publicReadAcl : privateAcl;
    }

    @Override
    public List<ACL> getDefaultAcl() {
        return privateAcl;
    }

    @Override
    public List<ACL> getAclForPath(String path) {
        return aclFor(path);
    }

    /**
     * The ACLs that {@code client}'s ACL provider gives a new znode at {@code path}, for creates made on the raw
     * ZooKeeper handle. Curator does not expose its provider; it applies it when it builds an operation, so this
     * builds one (without running it) and reads the ACLs back.
     */
    public static List<ACL> forCreate(CuratorFramework client, String path) throws Exception {
        Op create = client.transactionOp().create().forPath(path).get();
        return ((CreateRequest) create.toRequestRecord()).getAcl();
    }

    /**
     * The root, its parents, the masters' znodes directly under the root, and the frameworks' leader latches
     * ({@code <root>/frameworks}, {@code <root>/frameworks/<name>}, {@code <root>/frameworks/<name>/leader} and the
     * latch's participant znodes directly under it), so their leaders can be found as masters are.
     */
    private boolean isPublicReadable(String path) {
        if (path == null) {
            return false;
        }
        if (path.equals(rootPath) || rootPath.startsWith(path.endsWith("/") ? path : path + "/")) {
            return true;
        }
        String masterPrefix = rootPath + "/" + MasterContender.NODE_PREFIX;
        if (path.startsWith(masterPrefix) && path.indexOf('/', masterPrefix.length()) < 0) {
            return true;
        }
        return isFrameworkLatchPath(path);
    }

    /** {@code <root>/frameworks[/<name>[/leader[/<participant>]]]}. */
    private boolean isFrameworkLatchPath(String path) {
        String frameworks = rootPath + "/" + FRAMEWORKS_NODE;
        if (path.equals(frameworks)) {
            return true;
        }
        if (!path.startsWith(frameworks + "/")) {
            return false;
        }
        String[] rest = path.substring(frameworks.length() + 1).split("/", -1);
        if (rest.length == 1) {
            return !rest[0].isEmpty();
        }
        return rest.length <= 3 && !rest[0].isEmpty() && rest[1].equals(FRAMEWORK_LEADER_NODE)
                && (rest.length == 2 || !rest[2].isEmpty());
    }
}
