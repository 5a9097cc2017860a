package io.corral.frameworks.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.corral.frameworks.common.ApiException;
import io.corral.frameworks.common.FrameworkJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class AppValidatorTest {

    private static AppDefinition parse(String json) throws Exception {
        return AppValidator.parse(FrameworkJson.mapper().readTree(json), null);
    }

    private static List<String> invalidFields(String json) throws Exception {
        ApiException e = catchThrowableOfType(ApiException.class, () -> parse(json));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.status()).isEqualTo(422);
        return e.errors().stream().map(ApiException.FieldError::field).toList();
    }

    @Test
    void aMinimalAppGetsTheDefaults() throws Exception {
        AppDefinition app = parse("{\"id\": \"/prod/web\", \"cmd\": \"sleep 100\"}");

        assertThat(app.id()).isEqualTo("prod/web");
        assertThat(app.instances()).isEqualTo(1);
        assertThat(app.cpus()).isEqualTo(0.1);
        assertThat(app.upgradeStrategy()).isEqualTo(AppDefinition.UpgradeStrategy.DEFAULT);
        assertThat(app.backoffSeconds()).isEqualTo(1);
        assertThat(app.maxLaunchDelaySeconds()).isEqualTo(300);
    }

    @Test
    void everyInvalidFieldIsNamedInOneRefusal() throws Exception {
        List<String> fields = invalidFields("{\"id\": \"Prod/Web\", \"cpus\": 0, \"mem\": \"lots\","
                + " \"instances\": -1, \"colour\": \"red\", \"constraints\": [[\"hostname\", \"UNIQE\"]],"
                + " \"healthChecks\": [{\"protocol\": \"HTTP\"}], \"env\": {\"1X\": \"y\"},"
                + " \"upgradeStrategy\": {\"minimumHealthCapacity\": 1.5}}");

        assertThat(fields).containsExactlyInAnyOrder("colour", "id", "cmd", "cpus", "mem", "instances", "env.1X",
                "constraints[0]", "healthChecks[0].portIndex", "upgradeStrategy.minimumHealthCapacity");
    }

    @Test
    void aCustomExecutorGetsDefaultsAndTakesCmdAsTheTasksDataOnly() throws Exception {
        AppDefinition app = parse("{\"id\": \"e\", \"cmd\": \"work\", \"executor\": {\"cmd\": \"./my-executor\"}}");
        assertThat(app.executor()).isEqualTo(new AppDefinition.Executor("./my-executor", 0.1, 32));
        assertThat(parse("{\"id\": \"e\", \"executor\": {\"cmd\": \"./x\", \"mem\": 64}}").cmd()).isNull();

        assertThat(invalidFields("{\"id\": \"e\", \"args\": [\"a\"], \"executor\": {\"mem\": 8, \"colour\": 1},"
                + " \"healthChecks\": [{\"protocol\": \"COMMAND\", \"command\": \"true\"}],"
                + " \"container\": {\"docker\": {\"image\": \"busybox\"}}}"))
                .containsExactlyInAnyOrder("args", "executor.colour", "executor.cmd", "executor.mem", "container",
                        "healthChecks");
        assertThat(invalidFields("{\"id\": \"e\", \"cmd\": \"x\", \"executor\": \"./x\"}")).containsExactly("executor");
    }

    @Test
    void idsAreLowercasePathsWithoutReservedSegments() throws Exception {
        assertThat(parse("{\"id\": \"a/b-2/c\", \"cmd\": \"x\"}").id()).isEqualTo("a/b-2/c");
        for (String bad : List.of("", "a//b", "a/", "-a", "a_b", "web/scale", "a/versions/b")) {
            assertThat(invalidFields("{\"id\": \"" + bad + "\", \"cmd\": \"x\"}")).as(bad).containsExactly("id");
        }
    }

    @Test
    void constraintsAndHealthChecksAreCheckedForWhatTheyNeed() throws Exception {
        assertThat(invalidFields("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": [[\"hostname\", \"UNIQUE\", \"1\"],"
                + " [\"rack\", \"MAX_PER\"], [\"rack\", \"LIKE\", \"[\"], [\"rack\", \"GROUP_BY\", \"0\"]]}"))
                .containsExactly("constraints[0]", "constraints[1]", "constraints[2]", "constraints[3]");
        assertThat(invalidFields("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": [{\"protocol\": \"COMMAND\"}]}"))
                .containsExactly("healthChecks[0].command");
        assertThat(invalidFields("{\"id\": \"a\", \"cmd\": \"x\", \"args\": [\"y\"]}")).containsExactly("args");
        assertThat(invalidFields("{\"id\": \"a\", \"cmd\": \"x\", \"upgradeStrategy\": {\"minimumHealthCapacity\": 1,"
                + " \"maximumOverCapacity\": 0}}")).containsExactly("upgradeStrategy");
        // 3 x 0.67 rounds up to 3 kept healthy, and no room over: a rolling update could not start
        assertThat(invalidFields("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": 3, \"upgradeStrategy\":"
                + " {\"minimumHealthCapacity\": 0.67, \"maximumOverCapacity\": 0}}")).containsExactly("upgradeStrategy");

        AppDefinition ok = parse("{\"id\": \"a\", \"args\": [\"/bin/sleep\", \"9\"], \"ports\": 2,"
                + " \"container\": {\"docker\": {\"image\": \"busybox\"}},"
                + " \"constraints\": [[\"hostname\", \"unique\"], [\"rack\", \"GROUP_BY\", \"2\"]],"
                + " \"healthChecks\": [{\"protocol\": \"TCP\", \"portIndex\": 1}]}");
        assertThat(ok.constraints()).containsExactly(List.of("hostname", "UNIQUE"), List.of("rack", "GROUP_BY", "2"));
        assertThat(ok.healthChecks().get(0).portIndex()).isEqualTo(1);
        assertThat(ok.container().docker().image()).isEqualTo("busybox");
    }

    @Test
    void anUpdateKeepsTheFieldsItDoesNotGive() throws Exception {
        AppDefinition current = parse("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": 3, \"mem\": 64}")
                .withVersion(4, "2026-01-01T00:00:00Z");

        AppDefinition next = AppValidator.parse(AppValidator.merge(current,
                FrameworkJson.mapper().readTree("{\"cmd\": \"y\"}")), "a");

        assertThat(next.cmd()).isEqualTo("y");
        assertThat(next.instances()).isEqualTo(3);
        assertThat(next.mem()).isEqualTo(64);
        assertThat(next.sameTaskAs(current)).isFalse();
        assertThat(current.withInstances(9).sameTaskAs(current)).isTrue();
        AppDefinition argv = AppValidator.parse(AppValidator.merge(current,
                FrameworkJson.mapper().readTree("{\"args\": [\"/bin/true\"]}")), "a");
        assertThat(argv.cmd()).isNull();
        assertThat(argv.args()).containsExactly("/bin/true");
    }
}
