package io.corral.cli.frameworks;

import io.corral.cli.DurationConverter;
import io.corral.cli.SecurityOptions;
import io.corral.cli.TlsOptions;
import io.corral.cli.ZkTlsOptions;
import io.corral.cli.ZkUrlConverter;
import io.corral.frameworks.common.FrameworkHttp;
import io.corral.frameworks.common.FrameworkProcess;
import io.corral.protocol.security.BearerTokens;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.tls.ClientTls;
import io.corral.zookeeper.ZkUrl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * What every built-in framework process command ({@code corral jobs}, {@code corral services}) takes and does: find
 * ZooKeeper, serve the framework's REST API (authenticated as masters are), contend for the lead, and run until
 * stopped. Subclasses name the framework and give its parts.
 *
 * <p>Threading: {@link #call} runs on picocli's thread and waits until a shutdown hook closes the process.
 */
public abstract class FrameworkProcessCommand implements Callable<Integer> {

    @Option(names = "--zk", required = true, paramLabel = "URL", converter = ZkUrlConverter.class,
            description = "The cluster's ZooKeeper ensemble and root path, e.g. zk://127.0.0.1:2181/corral (or"
                    + " file:///etc/corral/zk-url).")
    ZkUrl zk;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Where the REST API listens (default: 127.0.0.1 and the framework's port; port 0 picks"
                    + " a free one).")
    String listen;

    @Option(names = "--advertise-host", paramLabel = "HOST",
            description = "The host others reach the REST API at (default: the --listen host, or 127.0.0.1 for"
                    + " 0.0.0.0).")
    String advertiseHost;

    @Option(names = "--zk-session-timeout", defaultValue = "5secs", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "ZooKeeper session timeout: how soon a dead leader is replaced (default: ${DEFAULT-VALUE}).")
    Duration zkSessionTimeout;

    @Option(names = "--credential", paramLabel = "FILE",
            description = "What the framework authenticates to the masters with: {\"principal\": ..., \"secret\":"
                    + " ...} (Mesos's format). Or --principal with --secret-file.")
    Path credentialFile;

    @Option(names = "--principal", paramLabel = "NAME",
            description = "The principal the framework authenticates to the masters as (with --secret-file).")
    String principal;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "A file holding the secret of --principal.")
    Path secretFile;

    @Option(names = "--credentials", paramLabel = "FILE",
            description = "Who may call the REST API (HTTP Basic): the masters' credentials file, Mesos's JSON"
                    + " format, so `corral` users' secrets work here too.")
    Path credentialsFile;

    @Option(names = "--acls", paramLabel = "FILE",
            description = "The masters' --acls file (Mesos's JSON format): a caller needs run_tasks for an app's or"
                    + " job's user to change it and view_tasks to see it. Default: every authenticated caller may do"
                    + " everything.")
    Path aclsFile;

    @Option(names = "--token-key", paramLabel = "FILE",
            description = "The masters' --token-key: bearer tokens from `corral token create` are accepted too.")
    Path tokenKeyFile;

    @Option(names = "--role", paramLabel = "ROLE",
            description = "The role the framework registers in (default: the framework's name).")
    String role;

    @Option(names = "--user", paramLabel = "USER",
            description = "The user tasks run as when a definition names none (default: the user running this).")
    String user;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "Speak HTTPS to the masters, trusting only the CAs in this PEM bundle.")
    Path mastersTlsCa;

    @Option(names = "--insecure",
            description = "Serve the REST API without authentication and talk to masters without credentials.")
    boolean insecure;

    @CommandLine.Mixin
    TlsOptions tls = new TlsOptions();

    @CommandLine.Mixin
    ZkTlsOptions zkTls = new ZkTlsOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code jobs}, {@code services}: the znode folder under {@code <chroot>/frameworks} and the role's default. */
    protected abstract String name();

    /** The REST API's port when {@code --listen} names none. */
    protected abstract int defaultPort();

    /**
     * The framework this process runs.
     *
     * @param credential what the framework authenticates to the masters with (and to agents, where it reads them)
     */
    protected abstract FrameworkProcess.Parts parts(Optional<Credentials.Credential> credential);

    @Override
    public Integer call() throws Exception {
        CommandLine command = spec.commandLine();
        Optional<Credentials> credentials = SecurityOptions.credentials(command, credentialsFile, insecure,
                "corral " + name());
        Optional<BearerTokens> tokens = SecurityOptions.tokens(command, tokenKeyFile, credentials);
        SecurityOptions.requireZkCredentials(command, zk, insecure, "corral " + name());
        ZkUrl url = zkTls.apply(command, zk);
        HostPort where = HostPort.parse(command, listen, defaultPort());
        String advertised = advertiseHost != null ? advertiseHost
                : where.host().equals("0.0.0.0") ? "127.0.0.1" : where.host();
        FrameworkHttp.Options http = FrameworkHttp.Options.of(where.host(), where.port(), credentials)
                .withTokens(tokens).withTls(tls.server(command)).withAcls(SecurityOptions.acls(command, aclsFile));
        Optional<Credentials.Credential> credential = masterCredential(command);
        FrameworkProcess process = FrameworkProcess.start(new FrameworkProcess.Options(name(), url, zkSessionTimeout,
                http, advertised, credential, mastersTls(command), role != null ? role : name(),
                user != null ? user : System.getProperty("user.name")), parts(credential));
        System.err.println("corral " + name() + ": REST API on " + process.url() + "; contending for the lead");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            process.close();
            stopped.countDown();
        }, name() + "-shutdown"));
        stopped.await();
        return 0;
    }

    /** What the framework presents to the masters; required unless {@code --insecure}. */
    private Optional<Credentials.Credential> masterCredential(CommandLine command) throws java.io.IOException {
        if (principal != null || secretFile != null) {
            if (principal == null || secretFile == null || credentialFile != null) {
                throw new ParameterException(command, "give --principal with --secret-file, or --credential FILE,"
                        + " not a mix");
            }
            if (!Files.isReadable(secretFile)) {
                throw new ParameterException(command, "Cannot read " + secretFile + " (--secret-file)");
            }
            return Optional.of(new Credentials.Credential(principal,
                    Files.readString(secretFile, StandardCharsets.UTF_8).strip()));
        }
        if (credentialFile == null) {
            if (insecure) {
                return Optional.empty();
            }
            throw new ParameterException(command, "corral " + name() + " authenticates to the masters: pass"
                    + " --credential FILE (or --principal and --secret-file), or --insecure");
        }
        if (!Files.isReadable(credentialFile)) {
            throw new ParameterException(command, "Cannot read " + credentialFile + " (--credential)");
        }
        try {
            return Optional.of(Credentials.Credential.read(credentialFile));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command, e.getMessage());
        }
    }

    private Optional<ClientTls> mastersTls(CommandLine command) {
        try {
            return ClientTls.fromFlag(mastersTlsCa);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command, e.getMessage());
        }
    }

    /** {@code --listen}'s host and port. */
    record HostPort(String host, int port) {
        static HostPort parse(CommandLine command, String text, int defaultPort) {
            if (text == null) {
                return new HostPort("127.0.0.1", defaultPort);
            }
            int colon = text.lastIndexOf(':');
            try {
                if (colon < 0) {
                    return new HostPort(text, defaultPort);
                }
                int port = Integer.parseInt(text.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new HostPort(colon == 0 ? "127.0.0.1" : text.substring(0, colon), port);
            } catch (NumberFormatException e) {
                throw new ParameterException(command, "--listen wants HOST:PORT (port 0 to 65535), not " + text);
            }
        }
    }
}
