package io.corral.protocol.concurrent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A fake clock for tests: time moves only when {@link #advance} is called, which runs the timers that became due, in
 * order, on the calling thread. Never advanced, it is also a clock that stands still, for work whose timers must
 * never fire (a standby master's rehearsal of recovery).
 *
 * <p>Threading: synchronized; meant to be driven by one test thread.
 */
public final class ManualTimers implements Timers {
    private record Pending(long dueMillis, long seq, Runnable task, boolean[] cancelled) {}

    private final PriorityQueue<Pending> pending =
            new PriorityQueue<>(Comparator.comparingLong(Pending::dueMillis).thenComparingLong(Pending::seq));
    private long now;
    private long seq;

    public ManualTimers(long startMillis) {
        this.now = startMillis;
    }

    @Override
    public synchronized long nowMillis() {
        return now;
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        boolean[] cancelled = {false};
        pending.add(new Pending(now + delay.toMillis(), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Moves time forward by {@code step}, running every timer due by then. */
    public void advance(Duration step) {
        long target;
        synchronized (this) {
            target = now + step.toMillis();
        }
        while (true) {
            Pending next;
            synchronized (this) {
                next = pending.peek();
                if (next == null || next.dueMillis() > target) {
                    now = target;
                    return;
                }
                pending.poll();
                now = next.dueMillis();
            }
            if (!next.cancelled()[0]) {
                next.task().run();
            }
        }
    }

    /** Number of timers not yet run or cancelled. */
    public synchronized int pendingCount() {
        List<Pending> live = new ArrayList<>();
        for (Pending p : pending) {
            if (!p.cancelled()[0]) {
                live.add(p);
            }
        }
        return live.size();
    }
}
