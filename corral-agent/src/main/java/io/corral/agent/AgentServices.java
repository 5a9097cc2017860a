package io.corral.agent;

import io.corral.agent.fetcher.Fetcher;
import io.corral.agent.fetcher.FetcherCache;
import io.corral.agent.image.ImageStore;
import io.corral.protocol.concurrent.DaemonPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;

/**
 * What the agent's tasks need besides their processes, and which blocks: the {@link Fetcher} (on its own threads, so
 * a slow download never delays a check), a worker for checks and sandbox removal, and the sandbox GC's policy and
 * disk gauge, the container image store (null when images are off). The agent's loop hands work to these and takes the results back as posted events.
 *
 * <p>Immutable; its executors are thread-safe.
 */
record AgentServices(Fetcher fetcher, Executor worker, SandboxGc.Policy gcPolicy, DoubleSupplier diskUsage,
                     ExecutorTokens executorTokens, ExecutorTls executorTls, ImageStore images) {

    AgentServices(Fetcher fetcher, Executor worker, SandboxGc.Policy gcPolicy, DoubleSupplier diskUsage,
                  ExecutorTokens executorTokens, ExecutorTls executorTls) {
        this(fetcher, worker, gcPolicy, diskUsage, executorTokens, executorTls, null);
    }

    AgentServices(Fetcher fetcher, Executor worker, SandboxGc.Policy gcPolicy, DoubleSupplier diskUsage) {
        this(fetcher, worker, gcPolicy, diskUsage, ExecutorTokens.disabled(), ExecutorTls.NONE);
    }

    AgentServices(Fetcher fetcher, Executor worker, SandboxGc.Policy gcPolicy, DoubleSupplier diskUsage,
                  ExecutorTokens executorTokens) {
        this(fetcher, worker, gcPolicy, diskUsage, executorTokens, ExecutorTls.NONE);
    }

    /** The same services, giving custom executors these tokens. */
    AgentServices withExecutorTokens(ExecutorTokens tokens) {
        return new AgentServices(fetcher, worker, gcPolicy, diskUsage, tokens, executorTls, images);
    }

    /** The same services, telling custom executors the agent's TLS. */
    AgentServices withExecutorTls(ExecutorTls tls) {
        return new AgentServices(fetcher, worker, gcPolicy, diskUsage, executorTokens, tls, images);
    }

    /** The same services, provisioning container images from {@code store} (null: tasks with images fail). */
    AgentServices withImages(ImageStore store) {
        return new AgentServices(fetcher, worker, gcPolicy, diskUsage, executorTokens, executorTls, store);
    }

    /** Mesos's defaults, with the fetcher cache in {@code <work-dir>/fetch-cache}. */
    static AgentServices defaults(Path workDir) {
        return create(workDir, Fetcher.DEFAULT_CACHE_BYTES, Fetcher.DEFAULT_TIMEOUT, Fetcher.DEFAULT_MAX_BYTES,
                SandboxGc.Policy.DEFAULT);
    }

    static AgentServices create(Path workDir, long cacheBytes, Duration fetchTimeout, long fetchMaxBytes,
                                SandboxGc.Policy gcPolicy) {
        FetcherCache cache;
        try {
            cache = new FetcherCache(workDir.resolve("fetch-cache"), cacheBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot set up the fetcher cache in " + workDir, e);
        }
        Fetcher fetcher = new Fetcher(DaemonPool.of("agent-fetcher", 4), cache, fetchTimeout, fetchMaxBytes);
        return new AgentServices(fetcher, DaemonPool.of("agent-worker", 8), gcPolicy,
                () -> SandboxGc.diskUsageOf(workDir));
    }
}
