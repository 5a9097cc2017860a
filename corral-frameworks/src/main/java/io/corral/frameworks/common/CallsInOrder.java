package io.corral.frameworks.common;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A framework's calls to the master, sent one at a time: each goes once the one before it was answered, whether it
 * succeeded or failed. Sent concurrently they could reach the master out of order: a REVIVE overtaking the DECLINE
 * made before it left the agent filtered for the DECLINE's refuse time.
 *
 * <p>Threading: {@link #send} is called from one thread (the framework's loop); the calls run on whichever thread
 * answered the one before.
 */
public final class CallsInOrder {
    private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

    /** Sends {@code call} once every call sent before it was answered; completes as {@code call}'s answer does. */
    public CompletableFuture<Void> send(Supplier<CompletableFuture<Void>> call) {
        CompletableFuture<Void> next = last.handle((ok, failure) -> null).thenCompose(previous -> call.get());
        last = next;
        return next;
    }
}
