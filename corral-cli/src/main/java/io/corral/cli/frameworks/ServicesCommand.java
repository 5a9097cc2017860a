package io.corral.cli.frameworks;

import io.corral.cli.BoundedShutdown;
import io.corral.cli.DurationConverter;
import io.corral.cli.SecurityOptions;
import io.corral.cli.TlsOptions;
import io.corral.cli.ZkTlsOptions;
import io.corral.cli.ZkUrlConverter;
import io.corral.frameworks.common.FrameworkHttp;
import io.corral.frameworks.common.FrameworkProcess;
import io.corral.frameworks.services.ServicesFramework;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.tls.ClientTls;
import io.corral.zookeeper.ZkUrl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corral services}: one process of the built-in Services framework (long-running apps kept at N
 * instances). Run several: one leads through ZooKeeper, the others answer its REST API with a redirect to it and
 * take over when it goes ({@code docs/services.md}).
 */
@Command(name = "services", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a Services framework process: keeps apps at their instance count, serves /v1/apps.")
public final class ServicesCommand implements Callable<Integer> {

    @Option(names = "--zk", required = true, paramLabel = "URL", converter = ZkUrlConverter.class,
            description = "ZooKeeper ensemble and root path, e.g. zk://corral:SECRET@127.0.0.1:2181/corral (or"
                    + " file:///etc/corral/zk-url).")
    ZkUrl zk;

    @Option(names = "--listen", defaultValue = "127.0.0.1:8090", paramLabel = "HOST:PORT",
            description = "Address of the REST API (default: ${DEFAULT-VALUE}; port 0 picks a free one).")
    String listen;

    @Option(names = "--advertise-host", paramLabel = "HOST",
            description = "The host others reach the REST API at (default: the --listen host).")
    String advertiseHost;

    @Option(names = "--credential", paramLabel = "FILE",
            description = "What this framework authenticates to the masters with: {\"principal\": ..., \"secret\":"
                    + " ...} (Mesos's format). Or --principal with --secret-file.")
    Path credentialFile;

    @Option(names = "--principal", paramLabel = "NAME", description = "The framework's principal (with --secret-file).")
    String principal;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "A file holding the principal's secret.")
    Path secretFile;

    @Option(names = "--credentials", paramLabel = "FILE",
            description = "Who may call the REST API: the masters' --credentials file (Mesos's JSON), so CLI users'"
                    + " secrets work here too.")
    Path credentialsFile;

    @Option(names = "--token-key", paramLabel = "FILE",
            description = "The masters' --token-key: bearer tokens from `corral token create` are accepted too.")
    Path tokenKeyFile;

    @Option(names = "--role", defaultValue = "*", paramLabel = "ROLE",
            description = "The role the framework registers in (default: ${DEFAULT-VALUE}).")
    String role;

    @Option(names = "--user", paramLabel = "USER",
            description = "The user tasks run as unless an app names one (default: the user running this process).")
    String user;

    @Option(names = "--zk-session-timeout", defaultValue = "5secs", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "ZooKeeper session timeout: how soon a dead leader is replaced (default: ${DEFAULT-VALUE}).")
    Duration zkSessionTimeout;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "Speak HTTPS to the masters, trusting the CAs in this PEM bundle.")
    Path masterCa;

    @Option(names = "--insecure",
            description = "Authenticate nobody on the REST API and nothing to the masters (test clusters only).")
    boolean insecure;

    @CommandLine.Mixin
    TlsOptions tls = new TlsOptions();

    @CommandLine.Mixin
    ZkTlsOptions zkTls = new ZkTlsOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine command = spec.commandLine();
        Optional<Credentials> callers = SecurityOptions.credentials(command, credentialsFile, insecure,
                "Services REST API");
        SecurityOptions.requireZkCredentials(command, zk, insecure, "services");
        ZkUrl zkUrl = zkTls.apply(command, zk);
        Optional<Credentials.Credential> credential = frameworkCredential(command);
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new CommandLine.ParameterException(command, "--listen must be HOST:PORT, not " + listen);
        }
        String host = listen.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(command, "--listen must be HOST:PORT, not " + listen);
        }
        FrameworkHttp.Options http = FrameworkHttp.Options.of(host, port, callers)
                .withTokens(SecurityOptions.tokens(command, tokenKeyFile, callers))
                .withTls(tls.server(command));
        FrameworkProcess process = FrameworkProcess.start(new FrameworkProcess.Options(ServicesFramework.NAME,
                zkUrl, zkSessionTimeout, http, advertiseHost != null ? advertiseHost : host, credential,
                masterCa == null ? Optional.empty() : Optional.of(ClientTls.trusting(masterCa)), role,
                user != null ? user : System.getProperty("user.name")), ServicesFramework.parts());
        System.err.println("Services REST API on " + process.url());
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            BoundedShutdown.run("services", process::close);
            done.countDown();
        }, "services-shutdown"));
        done.await();
        return 0;
    }

    private Optional<Credentials.Credential> frameworkCredential(CommandLine command) throws IOException {
        if (principal != null || secretFile != null) {
            if (principal == null || secretFile == null || credentialFile != null) {
                throw new CommandLine.ParameterException(command,
                        "give --principal with --secret-file, or --credential FILE, not a mix");
            }
            String secret = Files.readString(secretFile, StandardCharsets.UTF_8).strip();
            return Optional.of(new Credentials.Credential(principal, secret));
        }
        if (insecure && credentialFile == null) {
            return Optional.empty();
        }
        if (credentialFile == null) {
            throw new CommandLine.ParameterException(command, "Services authenticates to the masters: pass"
                    + " --credential FILE (or --principal and --secret-file), or --insecure");
        }
        return Optional.of(Credentials.Credential.read(credentialFile));
    }
}
