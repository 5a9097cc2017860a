package io.corral.protocol.http;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a busy {@link java.net.http.HttpClient} runs its work on: a few named daemon threads with a queue.
 *
 * <p>Why: without an executor the JDK's client hands every step of every exchange (headers sent, response read, body
 * complete, the caller's completion) to a cached thread pool through a hand-off queue, waking a thread for each. An
 * agent sending three status updates per task, and a scheduler acknowledging them, spent more CPU on those wake-ups
 * than on the calls. A small fixed set of threads with a queue runs the same steps one after another on threads
 * that stay awake while there is work. Idle threads end after a while, so a client thrown away leaves none behind.
 *
 * <p>Threading: the returned executor is thread-safe.
 */
public final class ClientThreads {
    private static final int KEEP_ALIVE_SECONDS = 30;

    private ClientThreads() {}

    /** {@code count} daemon threads named {@code name-N}. */
    public static ExecutorService of(String name, int count) {
        AtomicInteger next = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(count, count, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, name + "-" + next.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
