package io.corral.cli.frameworks;

import io.corral.frameworks.common.FrameworkProcess;
import io.corral.frameworks.jobs.JobsConfig;
import io.corral.frameworks.jobs.JobsFramework;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.http.ClientAuthorization;
import io.corral.protocol.security.Credentials;
import java.util.Optional;
import io.corral.protocol.concurrent.SystemTimers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corral jobs}: one process of the Jobs framework (batch and cron jobs, docs/jobs.md). Run several for high
 * availability: one leads, the others redirect to it and take over when it goes.
 */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = "Run a process of the Jobs framework (batch and cron jobs): serves its REST API /v1/jobs,"
                + " contends for the lead in ZooKeeper (<root>/frameworks/jobs) and schedules runs while leading.")
public final class JobsCommand extends FrameworkProcessCommand {
    /** The REST API's default port. */
    public static final int DEFAULT_PORT = 8091;

    @Option(names = "--history", paramLabel = "N", defaultValue = "20",
            description = "Finished runs kept per job (default: ${DEFAULT-VALUE}); active runs are always kept.")
    int history;

    @Option(names = "--max-jobs", paramLabel = "N", defaultValue = "10000",
            description = "Jobs kept at most (default: ${DEFAULT-VALUE}); creating one more gets 409, so no caller can"
                    + " fill ZooKeeper with jobs.")
    int maxJobs;

    @Override
    protected String name() {
        return JobsFramework.NAME;
    }

    @Override
    protected int defaultPort() {
        return DEFAULT_PORT;
    }

    @Override
    protected FrameworkProcess.Parts parts(Optional<Credentials.Credential> credential) {
        // the schedule's clock: the system's, its timers handing work to the framework's own loop
        SystemTimers timers = new SystemTimers(new EventLoop("jobs-timers"), "jobs");
        if (history < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--history must be at least 1");
        }
        if (maxJobs < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-jobs must be at least 1");
        }
        JobsConfig defaults = JobsConfig.DEFAULTS;
        return JobsFramework.parts(timers, new JobsConfig(history, defaults.idleRefuse(), defaults.busyRefuse(),
                defaults.maxWake(), maxJobs), credential.map(ClientAuthorization::basic));
    }
}
