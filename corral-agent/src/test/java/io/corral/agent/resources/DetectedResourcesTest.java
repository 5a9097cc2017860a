package io.corral.agent.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectedResourcesTest {

    private static final long MB = 1024L * 1024;
    private static final long GB = 1024 * MB;

    @TempDir Path workDir;

    @Test
    void sharesDivideTheMachineWithPortsOfTheirOwn() {
        DetectedResources machine = new DetectedResources(2, 3000, 900, 31000, 32000);
        assertThat(machine.share(3, 0)).isEqualTo("cpus:0.6;mem:1000;disk:300;ports:[31000-31332]");
        assertThat(machine.share(3, 2)).isEqualTo("cpus:0.6;mem:1000;disk:300;ports:[31667-32000]");
        assertThat(machine.share(1, 0)).isEqualTo("cpus:2.0;mem:3000;disk:900;ports:[31000-32000]");
        assertThat(new DetectedResources(1, 100, 0, 31000, 32000).share(20, 5)).startsWith("cpus:0.1;mem:5;");
        assertThatThrownBy(() -> machine.share(2, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void detectsSaneValuesForThisMachine() {
        DetectedResources resources = DetectedResources.detect(workDir.resolve("created/on/demand"));

        long totalMemoryMb = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() / MB;
        assertThat(resources.cpus()).isEqualTo(Runtime.getRuntime().availableProcessors()).isPositive();
        assertThat(resources.memMb()).isPositive().isLessThan(totalMemoryMb);
        assertThat(resources.diskMb()).isPositive().isLessThan(workDir.toFile().getUsableSpace() / MB);
        assertThat(resources.portsBegin()).isEqualTo(31000);
        assertThat(resources.portsEnd()).isEqualTo(32000);
    }

    @Test
    void memoryLeavesOneGigabyteFromTwoGigabytesUpAndHalfBelow() {
        assertThat(DetectedResources.memoryForTasksMb(24 * GB)).isEqualTo(23 * 1024);
        assertThat(DetectedResources.memoryForTasksMb(2 * GB)).isEqualTo(1024);
        assertThat(DetectedResources.memoryForTasksMb(2 * GB - MB)).isEqualTo(1023);
        assertThat(DetectedResources.memoryForTasksMb(512 * MB)).isEqualTo(256);
    }

    @Test
    void diskLeavesFiveGigabytesFromTenGigabytesUpAndHalfBelow() {
        assertThat(DetectedResources.diskForTasksMb(80 * GB)).isEqualTo(75 * 1024);
        assertThat(DetectedResources.diskForTasksMb(10 * GB)).isEqualTo(5 * 1024);
        assertThat(DetectedResources.diskForTasksMb(8 * GB)).isEqualTo(4 * 1024);
    }

    @Test
    void printsTheMesosResourcesFlagSyntax() {
        DetectedResources resources = new DetectedResources(2, 23000, 50000, 31000, 32000);

        assertThat(resources.toMesosResourceString()).isEqualTo("cpus:2;mem:23000;disk:50000;ports:[31000-32000]");
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new DetectedResources(0, 1, 1, 31000, 32000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cpus=0");
        assertThatThrownBy(() -> new DetectedResources(1, 1, 1, 32000, 31000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32000-31000");
    }
}
