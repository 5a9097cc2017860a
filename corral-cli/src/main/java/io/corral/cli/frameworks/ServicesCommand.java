package io.corral.cli.frameworks;

import io.corral.frameworks.common.FrameworkProcess;
import io.corral.frameworks.services.ServicesFramework;
import io.corral.protocol.security.Credentials;
import java.util.Optional;
import picocli.CommandLine.Command;

/**
 * {@code corral services}: one process of the built-in Services framework (long-running apps kept at N
 * instances). Run several: one leads through ZooKeeper, the others answer its REST API with a redirect to it and
 * take over when it goes ({@code docs/services.md}).
 */
@Command(name = "services", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a Services framework process: keeps apps at their instance count, serves /v1/apps,"
                + " contends for the lead in ZooKeeper (<root>/frameworks/services).")
public final class ServicesCommand extends FrameworkProcessCommand {
    /** The REST API's default port. */
    public static final int DEFAULT_PORT = 8090;

    @picocli.CommandLine.Option(names = "--max-apps", paramLabel = "N", defaultValue = "10000",
            description = "Apps kept at most (default: ${DEFAULT-VALUE}); creating one more gets 409, so no caller can"
                    + " fill ZooKeeper with apps.")
    int maxApps;

    @Override
    protected String name() {
        return ServicesFramework.NAME;
    }

    @Override
    protected int defaultPort() {
        return DEFAULT_PORT;
    }

    @Override
    protected FrameworkProcess.Parts parts(Optional<Credentials.Credential> credential) {
        if (maxApps < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-apps must be at least 1");
        }
        return ServicesFramework.parts(maxApps);
    }
}
