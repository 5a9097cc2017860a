package io.corral.protocol.concurrent;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed number of named daemon threads with a queue, started on demand and gone when idle for a while, so a pool
 * thrown away (an agent in a test, a client closed without shutting its pool) leaves no thread behind.
 *
 * <p>Also what a busy {@link java.net.http.HttpClient} should run on: without an executor the JDK's client hands every
 * step of every exchange to a cached thread pool through a hand-off queue, waking a thread for each; a few threads
 * with a queue stay awake while there is work.
 *
 * <p>Threading: the returned executor is thread-safe.
 */
public final class DaemonPool {
    private static final int KEEP_ALIVE_SECONDS = 60;

    private DaemonPool() {}

    /** {@code threads} daemon threads named {@code name-N}. */
    public static ExecutorService of(String name, int threads) {
        AtomicInteger next = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, name + "-" + next.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
