package io.corral.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Requests share a queued refresh, and refreshes of a watcher that asks for spacing start that far apart. */
class RefreshThreadTest {

    @Test
    void aBurstOfRequestsWhileOneIsQueuedCostsOneRefresh() {
        List<Long> starts = new CopyOnWriteArrayList<>();
        try (RefreshThread thread = new RefreshThread("test", () -> starts.add(System.nanoTime()),
                Duration.ofMillis(300))) {
            thread.request(); // runs at once: nothing ran before
            await().atMost(Duration.ofSeconds(10)).until(() -> starts.size() == 1);
            for (int i = 0; i < 100; i++) {
                thread.request(); // all wait for the spacing, as one refresh
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> starts.size() == 2);
            thread.request();
            await().atMost(Duration.ofSeconds(10)).until(() -> starts.size() == 3);

            assertThat(starts.get(1) - starts.get(0)).as("spaced").isGreaterThanOrEqualTo(300_000_000L);
            assertThat(starts.get(2) - starts.get(1)).as("spaced").isGreaterThanOrEqualTo(300_000_000L);
        }
    }

    @Test
    void withoutSpacingARequestRunsAtOnce() {
        List<Long> starts = new CopyOnWriteArrayList<>();
        try (RefreshThread thread = new RefreshThread("test", () -> starts.add(System.nanoTime()))) {
            for (int i = 1; i <= 3; i++) {
                thread.request();
                int expected = i;
                await().atMost(Duration.ofSeconds(10)).until(() -> starts.size() == expected);
            }
        }
        assertThat(starts).hasSize(3);
    }
}
