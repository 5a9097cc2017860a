package io.corral.protocol.concurrent;

/**
 * The JDK's {@code HttpClient} completes every {@code sendAsync} future on {@code CompletableFuture}'s default
 * executor. On a machine with 2 cores the common fork-join pool has a parallelism of 1, and that executor then starts
 * a new thread for every completion: an agent or a framework answering thousands of calls a second spends its time
 * creating threads (the simulator measured 67 launches/s with it, 133 without). {@link #ensurePool} gives the common
 * pool a few threads instead.
 *
 * <p>It works only before anything has touched {@code ForkJoinPool} or {@code CompletableFuture}: call it first thing
 * in {@code main}. An explicit {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism} is left alone.
 */
public final class AsyncCompletions {
    static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
    static final int MINIMUM = 4;

    private AsyncCompletions() {
    }

    /** Makes the common pool at least {@link #MINIMUM} threads wide unless the JVM was told otherwise. */
    public static void ensurePool() {
        if (System.getProperty(PARALLELISM) == null
                && Runtime.getRuntime().availableProcessors() - 1 < MINIMUM) {
            System.setProperty(PARALLELISM, Integer.toString(MINIMUM));
        }
    }
}
