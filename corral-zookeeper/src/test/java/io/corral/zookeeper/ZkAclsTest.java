package io.corral.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Base64;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ACL policy, path by path, without a server. */
class ZkAclsTest {

    private static final ZkAcls OPEN = ZkAcls.of(ZkUrl.parse("zk://127.0.0.1:2181/apps/corral"));
    private static final ZkAcls PROTECTED = ZkAcls.of(ZkUrl.parse("zk://alice:s3:cret@127.0.0.1:2181/apps/corral"));

    @Test
    void corralsIdentityIsTheDigestZooKeeperComputesForUserAndPassword() throws Exception {
        String expected = "alice:" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-1").digest("alice:s3:cret".getBytes(UTF_8)));

        assertThat(ZkAcls.identity(new ZkUrl.Credentials("alice", "s3:cret"))).isEqualTo(new Id("digest", expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/apps", "/apps/corral", "/apps/corral/json.info_0000000007",
            "/apps/corral/registry/agents/a1", "/elsewhere"})
    void withoutCredentialsEveryZnodeIsOpen(String path) {
        assertThat(OPEN.aclFor(path)).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
        assertThat(OPEN.getAclForPath(path)).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/apps", "/apps/corral", "/apps/corral/json.info_0000000007",
            "/apps/corral/json.info_"})
    void withCredentialsMesosDetectorsMayReadTheRootItsParentsAndTheMasterNodes(String path) {
        assertThat(PROTECTED.aclFor(path)).containsExactly(
                new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE), corralMayDoAll());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/apps/corral/frameworks", "/apps/corral/frameworks/services",
            "/apps/corral/frameworks/services/leader",
            "/apps/corral/frameworks/services/leader/_c_2f6e-latch-0000000003"})
    void withCredentialsCliClientsMayFindTheFrameworksLeaders(String path) {
        assertThat(PROTECTED.aclFor(path)).containsExactly(
                new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE), corralMayDoAll());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/apps/corral/frameworks/services/apps", "/apps/corral/frameworks/services/apps/web",
            "/apps/corral/frameworks/services/framework-id", "/apps/corral/frameworks/services/leader/x/y",
            "/apps/corral/frameworksx"})
    void withCredentialsTheFrameworksStateIsCorralsAlone(String path) {
        assertThat(PROTECTED.aclFor(path)).containsExactly(corralMayDoAll());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/apps/corral/registry", "/apps/corral/registry/meta", "/apps/corral/config/offer_timeout",
            "/apps/corral/presence/a1", "/apps/corral/json.info_0000000007/child", "/apps/corral/log_replicas",
            "/apps/corralx", "/apps/cor", "/elsewhere"})
    void withCredentialsEverythingElseIsCorralsAlone(String path) {
        assertThat(PROTECTED.aclFor(path)).containsExactly(corralMayDoAll());
    }

    @Test
    void theDefaultForUnknownPathsIsTheStrictOne() {
        assertThat(PROTECTED.getDefaultAcl()).containsExactly(corralMayDoAll());
        assertThat(OPEN.getDefaultAcl()).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
    }

    private static ACL corralMayDoAll() {
        return new ACL(ZooDefs.Perms.ALL, ZkAcls.identity(new ZkUrl.Credentials("alice", "s3:cret")));
    }
}
