package io.corral.protocol.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventLoopTest {
    private final EventLoop loop = new EventLoop("test-loop");

    @AfterEach
    void close() {
        loop.close();
    }

    @Test
    void eventsRunInOrderAndCountAsStarted() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        loop.execute(() -> ran.add("a"));
        CompletableFuture<Long> b = loop.submit(() -> {
            ran.add("b");
            return loop.startedEvents();
        });

        assertThat(b.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(ran).containsExactly("a", "b");
    }

    @Test
    void aReadRunsBeforeTheEventsAlreadyWaitingAndIsNotCounted() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        loop.execute(() -> {
            running.countDown();
            await(busy);
        });
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
        loop.execute(() -> ran.add("queued first"));
        CompletableFuture<String> last = loop.submit(() -> ran.add("queued second") ? "done" : "");
        CompletableFuture<Long> next = loop.readNext(() -> {
            ran.add("next");
            return loop.startedEvents();
        });

        busy.countDown();

        assertThat(last.get(5, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(ran).containsExactly("next", "queued first", "queued second");
        assertThat(next.get()).as("the busy event only").isEqualTo(1);
    }

    @Test
    void saysWhetherItIsRunningAnEvent() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        assertThat(loop.isRunningEvent()).isFalse();

        loop.execute(() -> {
            running.countDown();
            await(release);
        });
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.isRunningEvent()).isTrue();
        release.countDown();

        assertThat(loop.submit(loop::isRunningEvent).get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.readNext(loop::isRunningEvent).get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aClosedLoopRefusesReadsAndEvents() {
        loop.close();

        assertThatThrownBy(() -> loop.readNext(() -> "x").get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> loop.submit(() -> "x").get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(RejectedExecutionException.class);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
