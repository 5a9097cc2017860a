package io.corral.zookeeper.registry;

import java.util.List;
import org.apache.zookeeper.data.ACL;

/**
 * What a master's successful claim left it: the pinned session it claimed in, its own contender znode, and the
 * meta znode's version its claim produced. Every fenced write checks both znodes; any later claim changes the meta
 * version, and the contender znode disappears with the session.
 */
record Fence(ZkSession session, String contenderPath, String metaPath, int metaVersion, long epoch,
             List<ACL> registryAcl) {
}
