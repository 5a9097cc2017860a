package io.corral.it;

import static io.corral.it.CliRun.corral;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.agent.containerizer.IsolationOptions;
import io.corral.agent.image.ImageOptions;
import io.corral.agent.image.TestImage;
import io.corral.agent.image.TestRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corral run --image} end to end: a master and an agent with {@code --isolation
 * filesystem/linux,namespaces/pid,docker/runtime --image-providers docker}, a Docker registry on loopback serving a
 * busybox image built at test time. Needs root and Debian's busybox-static (skipped without, unless
 * {@code -Dcorral.busybox=required}).
 */
class ContainerImagesTest {
    @TempDir
    static Path workDir;
    static InProcessCluster cluster;
    static TestRegistry registry;

    @BeforeAll
    static void startCluster() throws Exception {
        TestImage.requireRoot();
        registry = new TestRegistry().put("busybox", "latest", TestImage.busybox());
        cluster = InProcessCluster.start(workDir, 1, 0);
        cluster.startAgent(0, new IsolationOptions(List.of(IsolationOptions.FILESYSTEM,
                IsolationOptions.PID_NAMESPACE, IsolationOptions.DOCKER_RUNTIME), 4096, Duration.ofSeconds(15), true,
                ImageOptions.docker(Set.of(registry.address()))));
        cluster.awaitLeader();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void runsTheCommandInTheImage() {
        CliRun run = corral("run", "--master", cluster.leaderUrl(), "--image", registry.address() + "/busybox",
                "--", "sh", "-c", "cat /etc/os-release; echo pid=$$ sandbox=$MESOS_SANDBOX");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("NAME=" + TestImage.MARKER + "\npid=1 sandbox=/mnt/mesos/sandbox\n");
    }

    @Test
    void keepsTheCommandsExitCode() {
        CliRun run = corral("run", "--master", cluster.leaderUrl(), "--image", registry.address() + "/busybox:latest",
                "--", "sh", "-c", "exit 3");

        assertThat(run.exit()).as(run.err()).isEqualTo(3);
    }

    @Test
    void anImageTheRegistryLacksFailsTheTaskSayingSo() {
        CliRun run = corral("run", "--master", cluster.leaderUrl(), "--image", registry.address() + "/nothing:1",
                "--", "true");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("TASK_FAILED").contains(registry.address() + "/nothing:1 was not found");
    }

    @Test
    void aBadImageNameIsABadArgument() {
        CliRun run = corral("run", "--master", cluster.leaderUrl(), "--image", "Not/An:Image:", "--", "true");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("corral run: --image: image 'Not/An:Image:'");
    }
}
