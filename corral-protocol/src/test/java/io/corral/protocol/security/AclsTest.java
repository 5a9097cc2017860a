package io.corral.protocol.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Mesos's ACL semantics: rules in order, the first that matches decides, NONE denies, else permissive. */
class AclsTest {

    private static Acls parse(String json) throws Exception {
        return Acls.parse(new ObjectMapper().readTree(json), "test");
    }

    @Test
    void theFirstMatchingRuleDecidesAndNoneDenies() throws Exception {
        Acls acls = parse("{\"register_agents\": ["
                + "{\"principals\": {\"values\": [\"agent\"]}, \"agents\": {\"type\": \"ANY\"}},"
                + "{\"principals\": {\"type\": \"ANY\"}, \"agents\": {\"type\": \"NONE\"}}]}");
        assertThat(acls.permits("register_agents", "agent", null)).isTrue();
        assertThat(acls.permits("register_agents", "framework", null)).isFalse();
        assertThat(acls.permits("register_agents", null, null)).as("an anonymous requester matches ANY").isFalse();
        assertThat(acls.permits("register_frameworks", "framework", "web")).as("no rule: permissive").isTrue();
    }

    @Test
    void objectsAreMatchedByValueAndNonPermissiveDeniesTheRest() throws Exception {
        Acls acls = parse("{\"permissive\": false, \"register_frameworks\": ["
                + "{\"principals\": {\"values\": [\"ops\"]}, \"roles\": {\"values\": [\"web\", \"batch\"]}}]}");
        assertThat(acls.permits("register_frameworks", "ops", "web")).isTrue();
        assertThat(acls.permits("register_frameworks", "ops", "db")).isFalse();
        assertThat(acls.permits("register_frameworks", "dev", "web")).isFalse();
        assertThat(acls.permits("run_tasks", "ops", "root")).isFalse();
    }

    @Test
    void malformedAclsAreRefusedWithWhereAndWhat() {
        assertThatThrownBy(() -> parse("{\"register_agentz\": []}")).hasMessageContaining("unknown action"
                + " 'register_agentz'");
        assertThatThrownBy(() -> parse("{\"register_agents\": [{\"principals\": {\"type\": \"SOME\"},"
                + " \"agents\": {\"type\": \"ANY\"}}]}")).hasMessageContaining("register_agents[0].principals");
        assertThatThrownBy(() -> parse("{\"permissive\": \"yes\"}")).hasMessageContaining("permissive");
    }

    @Test
    void anApproverDecidesAsPermitsForEveryObject() throws Exception {
        Acls acls = parse("{\"permissive\": false, \"view_frameworks\": ["
                + "{\"principals\": {\"values\": [\"alice\"]}, \"users\": {\"values\": [\"a\"]}},"
                + "{\"principals\": {\"values\": [\"alice\", \"bob\"]}, \"users\": {\"values\": [\"b\"]}},"
                + "{\"principals\": {\"values\": [\"alice\"]}, \"users\": {\"type\": \"NONE\"}},"
                + "{\"principals\": {\"values\": [\"ops\"]}, \"users\": {\"type\": \"ANY\"}},"
                + "{\"principals\": {\"type\": \"ANY\"}, \"users\": {\"values\": [\"c\"]}}]}");
        for (String principal : java.util.Arrays.asList("alice", "bob", "ops", "eve", null)) {
            ObjectApprover approver = acls.approver("view_frameworks", principal);
            for (String user : java.util.Arrays.asList("a", "b", "c", "d", null)) {
                assertThat(approver.permits(user)).as(principal + " sees " + user)
                        .isEqualTo(acls.permits("view_frameworks", principal, user));
            }
        }
        assertThat(acls.approver("view_frameworks", "ops").permitsAll()).isTrue();
        assertThat(acls.approver("view_frameworks", "bob").permitsAll()).isFalse();
        assertThat(acls.approver("view_frameworks", "bob").permits("c")).as("a later rule for ANY still counts")
                .isTrue();
        assertThat(acls.approver("view_tasks", "bob").permitsAll()).as("no rule, not permissive").isFalse();
        assertThat(parse("{}").approver("view_tasks", "bob").permitsAll()).as("no rule, permissive").isTrue();
        assertThat(Acls.permitAll().approver("view_roles", null).permitsAll()).isTrue();
    }
}
