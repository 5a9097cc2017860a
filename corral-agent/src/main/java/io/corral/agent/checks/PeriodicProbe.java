package io.corral.agent.checks;

import io.corral.protocol.concurrent.Timers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Runs a {@link Probe} the way Mesos's checkers do: the first time {@code delay} after {@link #start}, then
 * {@code interval} after each result (a slow check delays the next rather than overlapping it). The probe runs on
 * a worker; its result is posted to the owner's loop, where {@link #handle} runs unless the checking was stopped
 * meanwhile (a result that arrives after {@link #stop} is dropped, so nothing is reported for a task that ended).
 *
 * <p>Threading contract: {@link #start}, {@link #stop} and {@link #handle} run on the owner's event loop (the
 * agent's), and so do the timers ({@link Timers} fire there); only {@link Probe#run} runs on the worker.
 */
abstract class PeriodicProbe {
    private final Probe probe;
    private final Timers timers;
    private final Consumer<Runnable> loop;
    private final Executor worker;
    private final Duration delay;
    private final Duration interval;
    private final Duration timeout;
    private Timers.Cancellable next;
    private boolean stopped;
    private long startedMillis;

    PeriodicProbe(Probe probe, Timers timers, Consumer<Runnable> loop, Executor worker, Duration delay,
                  Duration interval, Duration timeout) {
        this.probe = probe;
        this.timers = timers;
        this.loop = loop;
        this.worker = worker;
        this.delay = delay;
        this.interval = interval.isZero() ? Duration.ofSeconds(1) : interval;
        this.timeout = timeout;
    }

    public final void start() {
        startedMillis = timers.nowMillis();
        next = timers.schedule(delay, this::perform);
    }

    public final void stop() {
        stopped = true;
        if (next != null) {
            next.cancel();
            next = null;
        }
    }

    final boolean isStopped() {
        return stopped;
    }

    /** How long ago {@link #start} was called, by the injected clock. */
    final Duration sinceStart() {
        return Duration.ofMillis(timers.nowMillis() - startedMillis);
    }

    final Probe probe() {
        return probe;
    }

    private void perform() {
        next = null;
        if (stopped) {
            return;
        }
        CompletableFuture.supplyAsync(() -> probe.run(timeout), worker)
                .exceptionally(failure -> ProbeResult.failed(String.valueOf(failure.getMessage())))
                .thenAccept(result -> loop.accept(() -> {
                    if (stopped) {
                        return;
                    }
                    handle(result);
                    if (!stopped) {
                        next = timers.schedule(interval, this::perform);
                    }
                }));
    }

    /** One result, on the loop. */
    abstract void handle(ProbeResult result);
}
