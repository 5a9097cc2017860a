package io.corral.cli;

import io.corral.cli.local.LocalCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.util.Set;

/**
 * The {@code corral} command: the root of every subcommand.
 *
 * <p>Errors: a bad flag prints what is wrong plus the usage and exits 2 (picocli's default). Any other exception
 * prints one line, {@code corral <command>: <message>}, and exits 1; set {@code CORRAL_DEBUG=1} to also print the
 * stack trace.
 *
 * <p>Logging: the server commands ({@code zk}, {@code master}, {@code agent}, {@code services}, {@code jobs}) log at
 * INFO, every other command at WARN (to stderr), unless {@code -Dcorral.log.level=LEVEL} or {@code CORRAL_LOG_LEVEL}
 * says otherwise.
 */
@Command(name = "corral",
        mixinStandardHelpOptions = true,
        versionProvider = Corral.Version.class,
        description = "Corral: a Mesos-compatible cluster manager coordinated by ZooKeeper.",
        subcommands = {
                LocalCommand.class,
                RunCommand.class,
                PsCommand.class,
                LogsCommand.class,
                KillCommand.class,
                AgentsCommand.class,
                FrameworksCommand.class,
                WeightsCommand.class,
                QuotaCommand.class,
                ReserveCommand.Reserve.class,
                ReserveCommand.Unreserve.class,
                VolumesCommand.class,
                AgentModeCommands.Drain.class,
                MaintenanceCommand.class,
                MasterCommand.class,
                AgentCommand.class,
                ZkCommand.class,
                ConfigCommand.class,
                StatusCommand.class,
                TokenCommand.class,
                io.corral.cli.frameworks.ServicesCommand.class,
                io.corral.cli.frameworks.AppCommand.class,
                io.corral.cli.frameworks.JobsCommand.class,
                io.corral.cli.frameworks.JobCommand.class,
        })
public final class Corral implements Runnable {
    /** Subcommands that run servers and so log their work at INFO by default. */
    private static final Set<String> SERVER_COMMANDS = Set.of("zk", "master", "agent", "services", "jobs");
    static final String LOG_LEVEL_PROPERTY = "corral.log.level";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        io.corral.protocol.concurrent.AsyncCompletions.ensurePool(); // first: before any CompletableFuture exists
        chooseLogLevel(args);
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, without executing anything (tests call {@code execute} on it). */
    public static CommandLine commandLine() {
        return new CommandLine(new Corral())
                .setExecutionExceptionHandler(new OneLineErrors());
    }

    @Override
    public void run() {
        // `corral` alone: show what it can do.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Must run before the first logger is created: logback reads the property when it initialises. */
    private static void chooseLogLevel(String[] args) {
        if (System.getProperty(LOG_LEVEL_PROPERTY) != null) {
            return;
        }
        String fromEnvironment = System.getenv("CORRAL_LOG_LEVEL");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            System.setProperty(LOG_LEVEL_PROPERTY, fromEnvironment);
        } else if (args.length > 0 && SERVER_COMMANDS.contains(args[0])) {
            System.setProperty(LOG_LEVEL_PROPERTY, "INFO");
        }
        if (args.length > 0 && args[0].equals("zk") && System.getProperty("corral.zk.log.level") == null) {
            // logback.xml quiets the ZooKeeper client elsewhere; the server's own log is the point of `corral zk`.
            System.setProperty("corral.zk.log.level", "INFO");
        }
    }

    /** Prints an exception as one line a user can act on, instead of a stack trace. */
    static final class OneLineErrors implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
            PrintWriter err = commandLine.getErr();
            err.println(commandLine.getColorScheme().errorText(
                    commandLine.getCommandSpec().qualifiedName() + ": " + describe(e)));
            if ("1".equals(System.getenv("CORRAL_DEBUG"))) {
                e.printStackTrace(err);
            }
            err.flush();
            return commandLine.getExitCodeExceptionMapper() != null
                    ? commandLine.getExitCodeExceptionMapper().getExitCode(e)
                    : commandLine.getCommandSpec().exitCodeOnExecutionException();
        }

        /** The message, followed by the causes' messages when they add something. */
        static String describe(Throwable e) {
            StringBuilder line = new StringBuilder(messageOf(e));
            for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
                String message = messageOf(cause);
                if (line.indexOf(message) < 0) {
                    line.append(": ").append(message);
                }
            }
            return line.toString();
        }

        private static String messageOf(Throwable e) {
            String message = e.getMessage();
            return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
        }
    }

    /** The version from the jar's manifest (set by the build), or "development" when run from classes. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Corral.class.getPackage().getImplementationVersion();
            return new String[] {"corral " + (version == null ? "development" : version),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.home") + ")"};
        }
    }
}
