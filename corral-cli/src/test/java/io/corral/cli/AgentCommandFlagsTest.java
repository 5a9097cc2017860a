package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The agent's fetcher and sandbox GC flags: Mesos's defaults, Mesos's duration forms. */
class AgentCommandFlagsTest {
    @Test
    void defaultsAreMesossAndFlagsAreRead() {
        AgentCommand defaults = new AgentCommand();
        new CommandLine(defaults).parseArgs("--zk", "zk://127.0.0.1:2181/corral", "--work-dir", "/tmp/agent");
        assertThat(defaults.gcDelay).isEqualTo(Duration.ofDays(7));
        assertThat(defaults.gcDiskHeadroom).isEqualTo(0.1);
        assertThat(defaults.diskWatermarkInterval).isEqualTo(Duration.ofMinutes(1));
        assertThat(defaults.fetcherCacheSize).isEqualTo(2L << 30);

        AgentCommand set = new AgentCommand();
        new CommandLine(set).parseArgs("--zk", "zk://127.0.0.1:2181/corral", "--work-dir", "/tmp/agent",
                "--gc-delay", "2days", "--gc-disk-headroom", "0.2", "--disk-watermark-interval", "30secs",
                "--fetcher-cache-size", "1000", "--fetcher-timeout", "1mins", "--fetcher-max-size", "5000");
        assertThat(set.gcDelay).isEqualTo(Duration.ofDays(2));
        assertThat(set.gcDiskHeadroom).isEqualTo(0.2);
        assertThat(set.diskWatermarkInterval).isEqualTo(Duration.ofSeconds(30));
        assertThat(set.fetcherCacheSize).isEqualTo(1000);
        assertThat(set.fetcherTimeout).isEqualTo(Duration.ofMinutes(1));
        assertThat(set.fetcherMaxSize).isEqualTo(5000);
    }

    @Test
    void nvidiaGpuDevicesAreReadAndRefusedWithoutTheGpuIsolator() {
        AgentCommand set = new AgentCommand();
        new CommandLine(set).parseArgs("--zk", "zk://127.0.0.1:2181/corral", "--work-dir", "/tmp/agent",
                "--isolation", "gpu/nvidia", "--nvidia-gpu-devices", "0,1");
        assertThat(set.nvidiaGpuDevices).containsExactly(0, 1);

        java.io.StringWriter err = new java.io.StringWriter();
        int status = new CommandLine(new AgentCommand()).setErr(new java.io.PrintWriter(err)).execute(
                "--zk", "zk://127.0.0.1:1/corral", "--insecure", "--work-dir", "/tmp/agent",
                "--nvidia-gpu-devices", "0");
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("--nvidia-gpu-devices can only be given when --isolation contains"
                + " gpu/nvidia");
    }

    @Test
    void containerImagesAreOnWithMesossIsolatorsAndImageProvidersOnly() throws Exception {
        AgentCommand images = new AgentCommand();
        new CommandLine(images).parseArgs("--zk", "zk://127.0.0.1:2181/corral", "--work-dir", "/tmp/agent",
                "--isolation", "filesystem/linux,namespaces/pid,docker/runtime", "--image-providers", "docker",
                "--docker-registry-insecure", "127.0.0.1:5000");
        assertThat(images.isolationOptions().images().enabled()).isTrue();
        assertThat(images.isolationOptions().images().insecureRegistries()).containsExactly("127.0.0.1:5000");

        AgentCommand off = new AgentCommand();
        new CommandLine(off).parseArgs("--zk", "zk://127.0.0.1:2181/corral", "--work-dir", "/tmp/agent");
        assertThat(off.isolationOptions().images().enabled()).isFalse();

        AgentCommand half = new AgentCommand();
        new CommandLine(half).parseArgs("--zk", "zk://127.0.0.1:2181/corral", "--work-dir", "/tmp/agent",
                "--image-providers", "docker");
        assertThatThrownBy(half::isolationOptions).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--image-providers docker needs --isolation with filesystem/linux");

        AgentCommand appc = new AgentCommand();
        new CommandLine(appc).parseArgs("--zk", "zk://127.0.0.1:2181/corral", "--work-dir", "/tmp/agent",
                "--isolation", "filesystem/linux,docker/runtime", "--image-providers", "appc");
        assertThatThrownBy(appc::isolationOptions).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("Unknown image provider 'appc'");
    }
}
