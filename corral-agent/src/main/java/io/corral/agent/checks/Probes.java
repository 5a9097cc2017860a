package io.corral.agent.checks;

import io.corral.agent.containerizer.CheckProcesses;
import java.nio.file.Path;
import java.util.Map;
import org.apache.mesos.v1.Protos.CheckInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.HealthCheck;

/**
 * The {@link Probe} for a health check or a check of a task: COMMAND in the task's sandbox with its environment,
 * HTTP and TCP against 127.0.0.1 (the task runs on this machine, in the agent's network namespace).
 *
 * <p>Stateless.
 */
public final class Probes {
    private Probes() {}

    /** @throws IllegalArgumentException when the health check cannot be performed (no command, no port, no type) */
    public static Probe of(HealthCheck check, Path sandbox, Map<String, String> agentVariables,
                           CommandInfo taskCommand) {
        return switch (check.getType()) {
            case COMMAND -> command(check.getCommand(), sandbox, agentVariables, taskCommand);
            case HTTP -> new HttpProbe(check.getHttp().getScheme(), port(check.getHttp().getPort()),
                    check.getHttp().getPath());
            case TCP -> new TcpProbe(port(check.getTcp().getPort()));
            default -> {
                if (check.hasCommand()) { // a health check from before types existed (Mesos < 1.0)
                    yield command(check.getCommand(), sandbox, agentVariables, taskCommand);
                }
                throw new IllegalArgumentException("health check of unknown type " + check.getType());
            }
        };
    }

    /** @throws IllegalArgumentException when the check cannot be performed */
    public static Probe of(CheckInfo check, Path sandbox, Map<String, String> agentVariables,
                           CommandInfo taskCommand) {
        return switch (check.getType()) {
            case COMMAND -> command(check.getCommand().getCommand(), sandbox, agentVariables, taskCommand);
            case HTTP -> new HttpProbe("http", port(check.getHttp().getPort()), check.getHttp().getPath());
            case TCP -> new TcpProbe(port(check.getTcp().getPort()));
            default -> throw new IllegalArgumentException("check of unknown type " + check.getType());
        };
    }

    private static Probe command(CommandInfo command, Path sandbox, Map<String, String> agentVariables,
                                 CommandInfo taskCommand) {
        CheckProcesses.builder(command, sandbox, agentVariables, taskCommand); // fails now if it never could run
        return new CommandProbe(() -> CheckProcesses.builder(command, sandbox, agentVariables, taskCommand),
                command.getValue());
    }

    private static int port(int port) {
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a valid port");
        }
        return port;
    }
}
