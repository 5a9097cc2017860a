package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks run as their user when the agent is root, with this machine's real users ({@code nobody}); skipped when the
 * tests do not run as root or the machine lacks setpriv or a {@code nobody} user.
 */
class TaskUsersTest {

    @TempDir Path workDir;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private ProcessContainerizer containerizer;
    private TaskUser nobody;

    @BeforeEach
    void requireRoot() throws IOException {
        assumeThat(TaskUsers.agentIsRoot()).as("the tests run as root").isTrue();
        assumeThat(HostPrograms.find("setpriv")).as("setpriv (util-linux)").isPresent();
        Optional<TaskUser> found = new UserLookup().find("nobody");
        assumeThat(found).as("a 'nobody' user").isPresent();
        nobody = found.get();
        containerizer = new ProcessContainerizer(timers, Isolators.none(), TaskUsers.switchingWhenRoot(true));
        Files.setPosixFilePermissions(workDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    @Test
    void aTaskRunsAsTheFrameworksUserInASandboxItOwns() throws Exception {
        ContainerExit exit = run(spec("c1", command("id -u; id -g; id -G; echo $USER $HOME; touch mine"))
                .withFrameworkUser("nobody"));

        assertThat(exit.succeeded()).isTrue();
        // id -G: the user's own groups only, none of the root agent's (here: root's group 0) carried over.
        assertThat(Files.readAllLines(workDir.resolve("c1/stdout"))).containsExactly(
                Long.toString(nobody.uid()), Long.toString(nobody.gid()), groupsOf("nobody"),
                "nobody " + nobody.home());
        assertThat(Files.getAttribute(workDir.resolve("c1"), "unix:uid", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo((int) nobody.uid());
        assertThat(Files.getAttribute(workDir.resolve("c1/mine"), "unix:uid")).isEqualTo((int) nobody.uid());
    }

    @Test
    void commandInfoUserWinsOverTheFrameworksUser() throws Exception {
        CommandInfo command = command("id -u").toBuilder().setUser("nobody").build();

        run(spec("c1", command).withFrameworkUser("root"));

        assertThat(Files.readString(workDir.resolve("c1/stdout")).trim()).isEqualTo(Long.toString(nobody.uid()));
    }

    @Test
    void rootOnlyWhenTheFrameworkAskedForRoot() throws Exception {
        run(spec("c1", command("id -u")).withFrameworkUser("root"));

        assertThat(Files.readString(workDir.resolve("c1/stdout")).trim()).isEqualTo("0");
    }

    @Test
    void anUnknownUserFailsTheLaunchClearlyAndCreatesNothing() {
        assertThatThrownBy(() -> containerizer.launch(spec("c1", command("id -u"))
                .withFrameworkUser("no-such-user-x")))
                .isInstanceOf(IOException.class)
                .hasMessage("user 'no-such-user-x' does not exist on this agent");
        assertThat(workDir.resolve("c1")).doesNotExist();
    }

    @Test
    void aTaskNamingNoUserIsNotRunAsRoot() {
        assertThatThrownBy(() -> containerizer.launch(spec("c1", command("id -u"))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("names no user");
    }

    @Test
    void withoutSwitchingEveryTaskRunsAsTheAgentsUser() throws Exception {
        containerizer = new ProcessContainerizer(timers, Isolators.none(), TaskUsers.switchingWhenRoot(false));

        run(spec("c1", command("id -u")).withFrameworkUser("nobody"));

        assertThat(Files.readString(workDir.resolve("c1/stdout")).trim()).isEqualTo("0");
    }

    private ContainerExit run(ContainerSpec spec) throws IOException {
        return containerizer.launch(spec).exit().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private ContainerSpec spec(String containerId, CommandInfo command) {
        return new ContainerSpec(containerId, "t-" + containerId, "F1", "t-" + containerId, command,
                workDir.resolve(containerId), workDir.resolve(containerId + "-run"), Map.of(), List.of());
    }

    private static CommandInfo command(String script) {
        return CommandInfo.newBuilder().setValue(script).build();
    }

    /** What {@code id -G user} prints: the user's groups as the group database lists them. */
    private static String groupsOf(String user) throws Exception {
        Process id = new ProcessBuilder("id", "-G", user).redirectErrorStream(true).start();
        String groups = new String(id.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertThat(id.waitFor()).as("id -G %s: %s", user, groups).isZero();
        return groups;
    }
}
