package io.corral.frameworks.common;

import io.corral.zookeeper.ZkAcls;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.curator.utils.ZKPaths;

/**
 * Where a built-in framework keeps its znodes: {@code <chroot>/frameworks/<name>}, e.g.
 * {@code /corral/frameworks/services} for {@code zk://host/corral}; its leader latch is {@code .../leader}.
 *
 * @param root the framework's own root znode
 */
public record FrameworkPaths(String root) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    public FrameworkPaths {
        Objects.requireNonNull(root, "root");
    }

    /** The paths of framework {@code name} ({@code services}, {@code jobs}) under the cluster's root path. */
    public static FrameworkPaths of(String zkRootPath, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("framework name must match " + NAME + ": '" + name + "'");
        }
        return new FrameworkPaths(ZKPaths.makePath(zkRootPath, ZkAcls.FRAMEWORKS_NODE, name));
    }

    /** The leader latch, whose participants' ids are their REST base URLs. */
    public String leader() {
        return ZKPaths.makePath(root, ZkAcls.FRAMEWORK_LEADER_NODE);
    }

    /** A document or folder under the root; {@code relative} like {@code apps/web} (no leading slash needed). */
    public String path(String relative) {
        return ZKPaths.makePath(root, relative);
    }
}
