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
    void lowersTheCallingThreadOnlyFromWhereItWasAndTheKernelShowsIt() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self")), "Linux only");
        assumeTrue(java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "renice"))), "no renice on this machine");
        OptionalInt before = BackgroundPriority.currentNice();
        assumeTrue(before.isPresent() && before.getAsInt() <= 5, "this JVM already runs at nice 6 or more");

        assertThat(niceAfter(() -> BackgroundPriority.lowerCurrentThread(10))).hasValue(before.getAsInt() + 10);
        assertThat(niceAfter(() -> {
            BackgroundPriority.lowerCurrentThread(10);
            BackgroundPriority.lowerCurrentThread(10); // from where it is: up to 19, no further
        })).hasValue(19);
        assertThat(BackgroundPriority.currentNice()).isEqualTo(before); // the caller's own thread is untouched
    }

    /** The nice value a new thread has after running {@code lowering}. */
    private static OptionalInt niceAfter(Runnable lowering) throws Exception {
        CompletableFuture<OptionalInt> nice = new CompletableFuture<>();
        Thread background = new Thread(() -> {
            lowering.run();
            nice.complete(BackgroundPriority.currentNice());
        }, "background-test");
        background.start();
        return nice.get();
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
