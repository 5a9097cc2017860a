package io.corral.master.http;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;

/**
 * Lets readers who ask the same question at the same time share one answer, as Mesos (1.8 and later) batches its
 * state requests: twenty operators' dashboards polling {@code /master/state} of a large cluster cost one rendering,
 * not twenty, and the master's loop keeps its CPU.
 *
 * <p>The rule keeps every answer fresh: a reader never gets an answer begun before it asked. A question asked while
 * the same question is being answered waits for the next round, which starts when the current one ends and answers
 * every reader who joined it with one rendering of the view as of then. So at most one rendering per question runs at
 * a time, and a reader waits at most for the end of the current round plus its own.
 *
 * <p>Two questions are the same when their keys are equal: callers put in the key everything the answer depends on
 * (path and query, the reader's principal, since view ACLs cut what each reader sees, and the encoding).
 *
 * <p>{@code T} is the answer: a response body, or bytes.
 *
 * <p>Threading: any thread; the map of rounds is guarded by this object's monitor, and answers are begun outside it.
 */
public final class SharedReads<T> {
    /** The rounds of questions being answered, by key; a key is absent when nothing runs for it. */
    private final Map<Object, Round> rounds = new HashMap<>();

    /** A question being answered, and the readers who asked it since (null until one did). */
    private final class Round {
        CompletableFuture<T> next;
        Supplier<CompletableFuture<T>> nextAnswer;
    }

    /**
     * The answer to the question {@code key}: begun now by {@code answer} if no round of it runs, else shared with the
     * readers who asked since the current round began, once it ends.
     */
    public CompletableFuture<T> read(Object key, Supplier<CompletableFuture<T>> answer) {
        synchronized (this) {
            Round round = rounds.get(key);
            if (round != null) {
                if (round.next == null) {
                    round.next = new CompletableFuture<>();
                }
                round.nextAnswer = answer;
                return round.next;
            }
            rounds.put(key, new Round());
        }
        return begin(key, answer);
    }

    private CompletableFuture<T> begin(Object key, Supplier<CompletableFuture<T>> answer) {
        CompletableFuture<T> answered;
        try {
            answered = answer.get();
        } catch (RuntimeException e) { // e.g. the master stopped leading: this round fails, the next may not
            answered = CompletableFuture.failedFuture(e);
        }
        answered.whenComplete((bytes, failure) -> nextRound(key));
        return answered;
    }

    /** A round ended: the readers who asked meanwhile get a round of their own, or the question is forgotten. */
    private void nextRound(Object key) {
        CompletableFuture<T> waiting;
        Supplier<CompletableFuture<T>> answer;
        synchronized (this) {
            Round round = rounds.get(key);
            if (round.next == null) {
                rounds.remove(key);
                return;
            }
            waiting = round.next;
            answer = round.nextAnswer;
            round.next = null;
            round.nextAnswer = null;
        }
        begin(key, answer).whenComplete((bytes, failure) -> {
            if (failure != null) {
                waiting.completeExceptionally(failure);
            } else {
                waiting.complete(bytes);
            }
        });
    }

    /** How many questions are being answered now (for tests). */
    synchronized int running() {
        return rounds.size();
    }
}
