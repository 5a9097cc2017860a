package io.corral.master;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;

/**
 * Changes to one agent's registry document, committed one at a time in the order they were asked for.
 *
 * <p>An agent's document holds its AgentInfo, its state and its reservations and volumes, and every change rewrites
 * it whole. Two changes decided at once (a RESERVE while the agent re-registers, say) would each be built from the
 * state before the other, and the second write would undo the first. So each change is decided only at its turn,
 * after the one before it was applied (or refused): {@code decide} builds the change from the state as it is then,
 * may refuse by throwing (the returned future fails with that), or return null when there is nothing to write.
 *
 * <p>Threading: owned by the master's event loop, like every class of the master's state.
 */
final class AgentWrites {
    private final Master master;
    private final Map<AgentID, Deque<Runnable>> waiting = new HashMap<>();

    AgentWrites(Master master) {
        this.master = master;
    }

    /** Decides, commits and applies one change to {@code agentId}'s document after those already asked for. */
    CompletableFuture<Void> commit(AgentID agentId, Supplier<DurableChange> decide, Runnable afterApply) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable turn = () -> run(agentId, decide, afterApply, done);
        Deque<Runnable> queue = waiting.get(agentId);
        if (queue != null) {
            queue.addLast(turn);
        } else {
            waiting.put(agentId, new ArrayDeque<>());
            turn.run();
        }
        return done;
    }

    /** True while a change to {@code agentId}'s document is being written. */
    boolean isBusy(AgentID agentId) {
        return waiting.containsKey(agentId);
    }

    private void run(AgentID agentId, Supplier<DurableChange> decide, Runnable afterApply,
                     CompletableFuture<Void> done) {
        DurableChange change;
        try {
            change = decide.get();
        } catch (RuntimeException refused) {
            done.completeExceptionally(refused);
            next(agentId);
            return;
        }
        if (change == null) {
            finish(afterApply, done);
            next(agentId);
            return;
        }
        master.commit(change, afterApply).whenComplete((ok, failure) -> {
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(null);
            }
            next(agentId);
        });
    }

    private static void finish(Runnable afterApply, CompletableFuture<Void> done) {
        try {
            afterApply.run();
            done.complete(null);
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    /** Starts the next waiting change of {@code agentId}, if any. Runs on the loop. */
    private void next(AgentID agentId) {
        Deque<Runnable> queue = waiting.get(agentId);
        if (queue == null) {
            return;
        }
        Runnable following = queue.pollFirst();
        if (following == null) {
            waiting.remove(agentId);
            master.offers.allocateSoon(agentId); // the allocator left the agent out while it was being written
        } else {
            following.run();
        }
    }
}
