package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.master.state.FrameworkView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Readers see the master through published, immutable views: the same view while nothing has changed (without
 * touching the loop), a new one after a change, never one that changes under them; and however many readers there
 * are, they cost the loop at most one view per change.
 */
class MasterViewTest {
    private final MasterFixture fixture = new MasterFixture();
    private final Master master = fixture.master;

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void aViewShowsTheStateWhenItWasTakenAndStaysAsItWas() {
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());
        MasterView before = master.view().join();

        fixture.subscribe(MasterFixture.frameworkInfo(60), new RecordingLink());
        MasterView after = master.view().join();

        assertThat(before.agents()).hasSize(1);
        assertThat(before.frameworks()).as("taken before the subscription").isEmpty();
        assertThat(after.frameworks()).extracting(FrameworkView::connected).containsExactly(true);
        assertThat(after.version()).isGreaterThan(before.version());
    }

    @Test
    void anEventThatChangesNothingShownGivesANewViewOfTheSameListsAndAChangeNewOnes() {
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());
        fixture.subscribe(MasterFixture.frameworkInfo(60), new RecordingLink());
        fixture.run(() -> { });
        MasterView before = master.view().join();

        fixture.run(() -> { }); // an event, as an agent's PONG is, that changes nothing a reader sees
        MasterView after = master.view().join();

        assertThat(after.version()).isGreaterThan(before.version());
        assertThat(after.agents()).as("the same list: a kept answer rendered from it still holds")
                .isSameAs(before.agents());
        assertThat(after.frameworks()).isSameAs(before.frameworks());
        assertThat(after.completedFrameworks()).isSameAs(before.completedFrameworks());

        fixture.registerAgent(MasterFixture.agentInfo("cpus:2;mem:2048"), List.of(), List.of(), new RecordingLink());
        MasterView changed = master.view().join();
        assertThat(changed.agents()).isNotSameAs(before.agents()).hasSize(2);
    }

    @Test
    void whileNothingChangesEveryReaderGetsTheSameViewWithoutTouchingTheLoop() throws Exception {
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());
        fixture.run(() -> { }); // the allocation cycle the registration asked for runs now, not among the reads
        MasterView published = master.view().join();
        long eventsBefore = fixture.loop.startedEvents();

        List<Thread> readers = new ArrayList<>();
        AtomicBoolean allSame = new AtomicBoolean(true);
        for (int i = 0; i < 8; i++) {
            readers.add(start(() -> {
                for (int n = 0; n < 1_000; n++) {
                    if (master.view().join() != published) {
                        allSame.set(false);
                    }
                }
            }));
        }
        for (Thread reader : readers) {
            reader.join();
        }

        assertThat(allSame).isTrue();
        assertThat(fixture.loop.startedEvents()).isEqualTo(eventsBefore);
    }

    @Test
    void aReaderStormCostsTheLoopAtMostOneViewPerChange() throws Exception {
        AtomicBoolean reading = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        CountDownLatch started = new CountDownLatch(4);
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            readers.add(start(() -> {
                started.countDown();
                while (reading.get()) {
                    master.view().join();
                    reads.incrementAndGet();
                }
            }));
        }
        started.await();

        int changes = 200;
        for (int i = 0; i < changes; i++) {
            fixture.registerAgent(MasterFixture.agentInfo("cpus:1;mem:512"), List.of(), List.of(),
                    new RecordingLink());
        }
        reading.set(false);
        for (Thread reader : readers) {
            reader.join();
        }

        MasterView last = master.view().join();
        assertThat(last.agents()).hasSize(changes);
        // Each view is built only after some event ran since the previous one (the reads themselves are not counted).
        assertThat(last.version()).as("views published for %d reads", reads.get())
                .isLessThanOrEqualTo(fixture.loop.startedEvents() + 1);
    }

    @Test
    void aReaderIsAnsweredAtTheEndOfTheRunningEventNotBehindTheQueue() throws Exception {
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean queuedEventRan = new AtomicBoolean();
        fixture.loop.execute(() -> {
            running.countDown();
            awaitQuietly(release);
        });
        running.await(5, TimeUnit.SECONDS);
        fixture.loop.execute(() -> queuedEventRan.set(true));

        CompletableFuture<Boolean> queuedEventRanBeforeTheView = master.view().thenApply(view -> queuedEventRan.get());
        release.countDown();

        assertThat(queuedEventRanBeforeTheView.get(5, TimeUnit.SECONDS)).isFalse();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread start(Runnable reader) {
        Thread thread = new Thread(reader, "reader");
        thread.start();
        return thread;
    }
}
