package io.corral.zookeeper;

import org.apache.zookeeper.util.ServiceUtils;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * ZooKeeper servers (embedded, or curator-test's TestingCluster) call System.exit on some fatal errors, such as a
 * port that cannot be bound again right after a restart; in a test JVM that would kill the whole test run. Registered
 * for every test class of this module (META-INF/services + autodetection), it makes ZooKeeper log instead, so the
 * failing test fails and the others still run.
 */
public final class NoSystemExitExtension implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
    }
}
