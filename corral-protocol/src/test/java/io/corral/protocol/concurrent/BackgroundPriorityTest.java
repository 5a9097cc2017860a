package io.corral.protocol.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BackgroundPriorityTest {

    @Test
    void lowersTheCallingThreadOnlyAndTheKernelShowsIt() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self")), "Linux only");
        OptionalInt before = BackgroundPriority.currentNice();
        assumeTrue(before.isPresent() && before.getAsInt() < 10, "this JVM already runs at nice 10 or more");

        CompletableFuture<OptionalInt> lowered = new CompletableFuture<>();
        Thread background = new Thread(() -> {
            boolean took = BackgroundPriority.lowerCurrentThread(10);
            lowered.complete(took ? BackgroundPriority.currentNice() : OptionalInt.empty());
        }, "background-test");
        background.start();

        assertThat(lowered.get()).hasValue(10);
        assertThat(BackgroundPriority.currentNice()).isEqualTo(before); // the caller's own thread is untouched
    }

    @Test
    void refusesAValueThatWouldRaiseOrKeepThePriority() {
        assertThatThrownBy(() -> BackgroundPriority.lowerCurrentThread(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BackgroundPriority.lowerCurrentThread(-5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BackgroundPriority.lowerCurrentThread(20))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
