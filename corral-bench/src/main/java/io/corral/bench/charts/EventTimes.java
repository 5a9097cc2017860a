package io.corral.bench.charts;

import java.util.Arrays;

/**
 * The instants ({@link System#nanoTime} values, taken by the caller) at which something happened during a run, e.g.
 * each task reaching TASK_RUNNING: what {@link ThroughputChart} buckets into events per second.
 *
 * <p>Threading: {@link #record} from any thread (synchronized; a benchmark records at most a few hundred thousand
 * events); {@link #snapshot} may run concurrently and sees the events recorded before it.
 */
public final class EventTimes {
    private long[] nanos = new long[1024];
    private int size;

    public synchronized void record(long nanoTime) {
        if (size == nanos.length) {
            nanos = Arrays.copyOf(nanos, size * 2);
        }
        nanos[size++] = nanoTime;
    }

    public synchronized int count() {
        return size;
    }

    /** The events recorded so far, in ascending order. */
    public synchronized long[] snapshot() {
        long[] copy = Arrays.copyOf(nanos, size);
        Arrays.sort(copy);
        return copy;
    }

    /** All events of {@code parts} together (e.g. every framework's). */
    public static EventTimes merged(Iterable<EventTimes> parts) {
        EventTimes all = new EventTimes();
        for (EventTimes part : parts) {
            for (long nanoTime : part.snapshot()) {
                all.record(nanoTime);
            }
        }
        return all;
    }
}
