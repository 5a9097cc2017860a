package io.corral.frameworks.jobs;

import io.corral.frameworks.common.ApiException;
import io.corral.frameworks.common.FrameworkProcess;
import io.corral.frameworks.common.FrameworkRunner;
import io.corral.frameworks.common.Leadership;
import io.corral.frameworks.common.Routes;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.http.ClientAuthorization;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Jobs framework as {@link FrameworkRunner} drives it: each time this process gains the lead it loads the jobs
 * into a new {@link JobsTerm}; the REST API ({@link JobsApi}) reaches the current term through {@link #call}. A Jobs
 * process is a {@link FrameworkProcess} started with {@link #parts}.
 *
 * <p>Threading: {@link #lead} runs on the runner's control thread; {@link #call} on HTTP worker threads. The current
 * term is held in an atomic reference; the term itself confines its state to its own loop.
 */
public final class JobsFramework implements FrameworkRunner.Framework {
    /** The framework's name: its znodes live under {@code <chroot>/frameworks/jobs}. */
    public static final String NAME = "jobs";

    private final Timers timers;
    private final JobsConfig config;
    private final Supplier<String> uniqueSuffix;
    private final SandboxLookup sandboxes;
    private final AtomicReference<JobsTerm> current = new AtomicReference<>();

    /**
     * @param timers the clock and timers of the schedule (a fake one in tests; not the scheduler client's)
     */
    public JobsFramework(Timers timers, JobsConfig config, Optional<ClientAuthorization> agentAuthorization) {
        this(timers, config, () -> UUID.randomUUID().toString().substring(0, 8), agentAuthorization);
    }

    JobsFramework(Timers timers, JobsConfig config, Supplier<String> uniqueSuffix,
                  Optional<ClientAuthorization> agentAuthorization) {
        this.timers = timers;
        this.config = config;
        this.uniqueSuffix = uniqueSuffix;
        this.sandboxes = new SandboxLookup(agentAuthorization);
    }

    /** {@link #parts(Timers, JobsConfig, Optional)} reading agents' state without credentials (insecure agents). */
    public static FrameworkProcess.Parts parts(Timers timers, JobsConfig config) {
        return parts(timers, config, Optional.empty());
    }

    /**
     * What a {@link FrameworkProcess} named {@link #NAME} runs: this framework and its REST routes.
     *
     * @param agentAuthorization what it reads agents' {@code /state} with (to learn runs' sandboxes): the
     *                           framework's own credential
     */
    public static FrameworkProcess.Parts parts(Timers timers, JobsConfig config,
                                               Optional<ClientAuthorization> agentAuthorization) {
        JobsFramework framework = new JobsFramework(timers, config, agentAuthorization);
        Routes routes = JobsApi.routes(framework);
        return new FrameworkProcess.Parts() {
            @Override
            public FrameworkRunner.Framework framework() {
                return framework;
            }

            @Override
            public Routes routes() {
                return routes;
            }

            @Override
            public Map<String, Object> health() {
                return Map.of("framework", "corral-" + NAME);
            }
        };
    }

    @Override
    public FrameworkRunner.Term lead(Leadership leadership, FrameworkRunner runner) {
        JobsTerm[] self = new JobsTerm[1];
        self[0] = JobsTerm.load(leadership, runner, timers, config, uniqueSuffix, sandboxes,
                () -> current.compareAndSet(self[0], null));
        current.set(self[0]);
        return self[0];
    }

    /** Runs {@code action} on the current term's loop; 503 when this process has no term (not, or not yet, leading). */
    <T> T call(Function<JobsTerm, T> action) {
        JobsTerm term = current.get();
        if (term == null) {
            throw new ApiException(503, "this process does not lead the Jobs framework right now; retry");
        }
        return term.call(() -> action.apply(term));
    }
}
