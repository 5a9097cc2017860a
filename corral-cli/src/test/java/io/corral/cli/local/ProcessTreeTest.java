package io.corral.cli.local;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ProcessTreeTest {

    @Test
    void stopsAProcessTogetherWithTheChildrenItLeavesBehind() throws IOException {
        // The shell exits on SIGTERM, but its two background children would live on, re-parented.
        Process shell = new ProcessBuilder("sh", "-c", "sleep 300 & sleep 300 & wait").start();
        await().atMost(Duration.ofSeconds(10)).until(() -> shell.descendants().count() == 2);
        Set<ProcessHandle> tree = ProcessTree.treeOf(List.of(shell.toHandle()));

        List<ProcessHandle> survivors = ProcessTree.stop(List.of(shell.toHandle()), Duration.ofSeconds(5));

        assertThat(survivors).isEmpty();
        assertThat(tree).hasSize(3).noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void killsWhatIgnoresSigterm() throws IOException {
        Process stubborn = new ProcessBuilder("sh", "-c", "trap '' TERM; while true; do sleep 1; done").start();
        await().atMost(Duration.ofSeconds(10)).until(() -> stubborn.descendants().findAny().isPresent());

        List<ProcessHandle> survivors = ProcessTree.stop(List.of(stubborn.toHandle()), Duration.ofMillis(300));

        assertThat(survivors).isEmpty();
        assertThat(stubborn.isAlive()).isFalse();
    }
}
