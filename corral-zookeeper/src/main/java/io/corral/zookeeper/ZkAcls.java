package io.corral.zookeeper;

import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * The one place that decides which ACLs Corral's znodes get. Every create goes through it: Curator creates via the
 * {@link ACLProvider} that {@link ZkClients} installs, and the few raw ZooKeeper creates (see
 * {@link MasterContender}) ask {@link #forPath(String)}.
 *
 * <p>For now every znode is open ({@code OPEN_ACL_UNSAFE}), as Mesos does without credentials. Mesos uses
 * {@code EVERYONE_READ_CREATOR_ALL} when credentials are given; switching to that is a later issue and changes only
 * this class.
 *
 * <p>Stateless; thread-safe.
 */
public final class ZkAcls {

    private ZkAcls() {
    }

    /** ACLs for a new znode at {@code path}. */
    public static List<ACL> forPath(String path) {
        return ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }

    /** The Curator ACL provider for a client connected with the given credentials. */
    static ACLProvider provider(Optional<ZkUrl.Credentials> credentials) {
        return new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
                return forPath("/");
            }

            @Override
            public List<ACL> getAclForPath(String path) {
                return forPath(path);
            }
        };
    }
}
