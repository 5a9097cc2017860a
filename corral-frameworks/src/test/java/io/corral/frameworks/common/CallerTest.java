package io.corral.frameworks.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.protocol.security.Acls;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CallerTest {
    private static final Acls ACLS = Acls.parse(json("{'permissive': false,"
            + " 'run_tasks': [{'principals': {'values': ['alice']}, 'users': {'values': ['web']}}],"
            + " 'view_tasks': [{'principals': {'type': 'ANY'}, 'users': {'values': ['web']}}]}"), "test");

    private static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void aDefinitionWithoutAUserIsCheckedAsTheFrameworksUser() {
        Caller alice = new Caller(Optional.of("alice"), ACLS, "web");
        alice.requireRunAs(null, "app 'a'");
        alice.requireRunAs("web", "app 'a'");
        assertThat(alice.maySee(null)).isTrue();
        assertThat(new Caller(Optional.of("alice"), ACLS, "root").maySee(null)).isFalse();
    }

    @Test
    void aRefusalIs403AndSaysWhoWhichUserAndWhichAcl() {
        Caller alice = new Caller(Optional.of("alice"), ACLS, "web");
        assertThatThrownBy(() -> alice.requireRunAs("root", "app 'a'"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(403))
                .hasMessageContaining("principal 'alice'").hasMessageContaining("user 'root'")
                .hasMessageContaining("run_tasks");
        Caller bob = new Caller(Optional.of("bob"), ACLS, "web");
        assertThatThrownBy(() -> bob.requireRunAs(null, "job j")).hasMessageContaining("principal 'bob'");
    }

    @Test
    void anUnauthenticatedCallerMatchesOnlyRulesForAnyPrincipal() {
        Caller anonymous = new Caller(Optional.empty(), ACLS, "web");
        assertThat(anonymous.maySee("web")).isTrue();
        assertThatThrownBy(() -> anonymous.requireRunAs("web", "app 'a'"))
                .hasMessageContaining("an unauthenticated caller");
    }
}
