package io.corral.frameworks.services;

import io.corral.frameworks.common.ApiException;
import io.corral.frameworks.common.FrameworkRunner;
import io.corral.frameworks.common.Leadership;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.SystemTimers;

/**
 * The Services framework as the {@link FrameworkRunner} runs it: each term of leadership gets a fresh
 * {@link ServicesScheduler} (its own loop and timers) loaded from the store; the REST API reaches the current one.
 *
 * <p>Threading: {@link #lead} runs on the runner's control thread; {@link #current()} on any thread.
 */
public final class ServicesFramework implements FrameworkRunner.Framework {
    public static final String NAME = "services";
    public static final int DEFAULT_MAX_APPS = 10_000;

    private final int maxApps;
    private volatile ServicesScheduler current;

    /** @param maxApps apps kept at most; creating one more gets 409 */
    private ServicesFramework(int maxApps) {
        if (maxApps < 1) {
            throw new IllegalArgumentException("maxApps must be at least 1, not " + maxApps);
        }
        this.maxApps = maxApps;
    }

    @Override
    public FrameworkRunner.Term lead(Leadership leadership, FrameworkRunner runner) {
        EventLoop loop = new EventLoop("services-loop-" + leadership.term());
        SystemTimers timers = new SystemTimers(loop, "services-timers-" + leadership.term());
        ServicesScheduler scheduler;
        try {
            scheduler = new ServicesScheduler(leadership, runner, loop, timers, AppIds::newTaskId, maxApps);
        } catch (RuntimeException e) {
            timers.close();
            loop.close();
            throw e;
        }
        current = scheduler;
        return scheduler;
    }

    /** What a {@link io.corral.frameworks.common.FrameworkProcess} of Services runs: this framework and its API. */
    public static io.corral.frameworks.common.FrameworkProcess.Parts parts() {
        return parts(DEFAULT_MAX_APPS);
    }

    /** As {@link #parts()}, keeping at most {@code maxApps} apps. */
    public static io.corral.frameworks.common.FrameworkProcess.Parts parts(int maxApps) {
        ServicesFramework framework = new ServicesFramework(maxApps);
        io.corral.frameworks.common.Routes routes = new ServicesApi(framework).routes();
        return new io.corral.frameworks.common.FrameworkProcess.Parts() {
            @Override
            public FrameworkRunner.Framework framework() {
                return framework;
            }

            @Override
            public io.corral.frameworks.common.Routes routes() {
                return routes;
            }
        };
    }

    /** The scheduler of this process's term; 503 when it does not lead. */
    ServicesScheduler current() {
        ServicesScheduler scheduler = current;
        if (scheduler == null) {
            throw new ApiException(503, "this Services process is not leading yet; retry");
        }
        return scheduler;
    }
}
