package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightLimitTest {

    @Test
    void startsAtMostTheLimitAndTheRestInOrderAsCallsComplete() {
        InFlightLimit limit = new InFlightLimit(2);
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        List<Integer> started = new ArrayList<>();
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            answers.add(limit.submit(() -> {
                started.add(n);
                CompletableFuture<Integer> call = new CompletableFuture<>();
                calls.add(call);
                return call;
            }));
        }
        assertThat(started).containsExactly(0, 1);
        assertThat(limit.waiting()).isEqualTo(3);

        calls.get(1).complete(11);
        assertThat(answers.get(1)).isCompletedWithValue(11);
        assertThat(started).containsExactly(0, 1, 2);

        calls.get(0).completeExceptionally(new IllegalStateException("refused"));
        assertThat(answers.get(0)).isCompletedExceptionally();
        assertThat(started).containsExactly(0, 1, 2, 3);
        calls.get(2).complete(12);
        calls.get(3).complete(13);
        calls.get(4).complete(14);
        assertThat(answers.get(4)).isCompletedWithValue(14);
        assertThat(limit.waiting()).isZero();
    }

    @Test
    void aLongQueueOfCallsThatFailAtOnceDrainsWithoutOverflowingTheStack() throws Exception {
        InFlightLimit limit = new InFlightLimit(1);
        CompletableFuture<Void> first = new CompletableFuture<>();
        limit.submit(() -> first);
        List<CompletableFuture<Void>> answers = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            answers.add(limit.submit(() -> CompletableFuture.failedFuture(new IllegalStateException("no master"))));
        }
        first.complete(null);
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                .get(30, TimeUnit.SECONDS);
        assertThat(answers).allMatch(CompletableFuture::isCompletedExceptionally);
        assertThat(limit.waiting()).isZero();
    }
}
