package io.corral.master.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Readers asking the same question at once share one answer, and none gets an answer begun before it asked. The
 * renderings here are futures the test completes by hand, so every interleaving is chosen, not raced.
 */
class SharedReadsTest {
    private final SharedReads shared = new SharedReads();
    /** Every rendering begun, in order; the test completes them. */
    private final List<CompletableFuture<byte[]>> renderings = new ArrayList<>();

    private final Supplier<CompletableFuture<byte[]>> render = () -> {
        CompletableFuture<byte[]> rendering = new CompletableFuture<>();
        renderings.add(rendering);
        return rendering;
    };

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aLoneReaderGetsItsOwnRendering() {
        CompletableFuture<byte[]> answer = shared.read("state", render);

        assertThat(renderings).hasSize(1);
        renderings.get(0).complete(bytes("v1"));
        assertThat(answer.join()).isEqualTo(bytes("v1"));
        assertThat(shared.running()).isZero();
    }

    @Test
    void readersWhoAskDuringARenderingShareTheNextOneNotTheRunningOne() {
        CompletableFuture<byte[]> first = shared.read("state", render);
        List<CompletableFuture<byte[]>> later = new ArrayList<>();
        for (int i = 0; i < 19; i++) {
            later.add(shared.read("state", render));
        }
        assertThat(renderings).as("one rendering runs; the 19 wait for the next").hasSize(1);

        renderings.get(0).complete(bytes("begun before they asked"));

        assertThat(first.join()).isEqualTo(bytes("begun before they asked"));
        assertThat(later).allMatch(answer -> !answer.isDone());
        assertThat(renderings).as("the next round began when the first ended").hasSize(2);
        renderings.get(1).complete(bytes("begun after they asked"));
        assertThat(later).allMatch(answer -> new String(answer.join(), StandardCharsets.UTF_8)
                .equals("begun after they asked"));
        assertThat(renderings).as("19 readers, one rendering").hasSize(2);
        assertThat(shared.running()).isZero();
    }

    @Test
    void differentQuestionsAreAnsweredApart() {
        CompletableFuture<byte[]> alice = shared.read(List.of("/state", "alice"), render);
        CompletableFuture<byte[]> bob = shared.read(List.of("/state", "bob"), render);

        assertThat(renderings).as("a reader never sees what another principal's view holds").hasSize(2);
        renderings.get(0).complete(bytes("alice's view"));
        renderings.get(1).complete(bytes("bob's view"));
        assertThat(alice.join()).isEqualTo(bytes("alice's view"));
        assertThat(bob.join()).isEqualTo(bytes("bob's view"));
    }

    @Test
    void aFailedRenderingFailsOnlyItsRoundAndTheNextOneIsTriedAgain() {
        CompletableFuture<byte[]> first = shared.read("state", render);
        CompletableFuture<byte[]> second = shared.read("state", render);

        renderings.get(0).completeExceptionally(new IllegalStateException("not leading any more"));

        assertThat(first).isCompletedExceptionally();
        assertThat(second).isNotDone();
        renderings.get(1).complete(bytes("the new leader's view"));
        assertThat(second.join()).isEqualTo(bytes("the new leader's view"));
    }

    @Test
    void aRenderingThatThrowsAtOnceFailsItsReadersAndLeavesNothingBehind() {
        CompletableFuture<byte[]> answer = shared.read("state", () -> {
            throw new IllegalStateException("no master");
        });

        assertThat(answer).isCompletedExceptionally();
        assertThat(answer.handle((ok, failure) -> failure).join()).hasMessageContaining("no master");
        assertThat(shared.running()).isZero();
        CompletableFuture<byte[]> next = shared.read("state", render);
        renderings.get(0).complete(bytes("v2"));
        assertThat(next.join()).isEqualTo(bytes("v2"));
    }

    @Test
    void theNextRoundUsesTheLatestReadersRendering() {
        CompletableFuture<byte[]> first = shared.read("state", render);
        shared.read("state", () -> CompletableFuture.completedFuture(bytes("old master")));
        CompletableFuture<byte[]> latest = shared.read("state",
                () -> CompletableFuture.completedFuture(bytes("current master")));

        renderings.get(0).complete(bytes("v1"));

        assertThat(first.join()).isEqualTo(bytes("v1"));
        assertThat(latest.join()).as("a round renders with what its last reader brought (the master leading now)")
                .isEqualTo(bytes("current master"));
    }

    @Test
    void anExceptionInAnAnswerReachesTheReaderAsIs() {
        CompletableFuture<byte[]> answer = shared.read("state", render);
        renderings.get(0).completeExceptionally(new CompletionException(new IllegalArgumentException("bad query")));
        assertThat(answer.handle((ok, failure) -> failure).join()).hasRootCauseInstanceOf(
                IllegalArgumentException.class);
    }
}
