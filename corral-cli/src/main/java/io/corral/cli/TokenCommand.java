package io.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code corral token}: bearer tokens, so that a shell session or a CI job holds a token that expires instead of a
 * principal's long-lived secret. The masters issue them ({@code POST /tokens}) when started with {@code --token-key}.
 */
@Command(name = "token",
        mixinStandardHelpOptions = true,
        description = "Bearer tokens that stand for a principal until they expire.",
        subcommands = {TokenCommand.Create.class})
public final class TokenCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code corral token create}: a token for the principal this command authenticates as. */
    @Command(name = "create",
            mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true,
            description = "Get a token for the principal you authenticate as (with its secret: --credential, "
                    + "CORRAL_CREDENTIAL or the local cluster's operator credential; a token cannot make another).",
            footerHeading = "%nExamples:%n",
            footer = {"  export CORRAL_TOKEN=$(corral token create --ttl 8h --quiet)",
                    "  corral token create --credential ops.json --ttl 1h --json"})
    public static final class Create extends ClusterCommand implements Callable<Integer> {
        private static final ObjectMapper JSON = new ObjectMapper();

        @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "How long the token lives (default 12h, at most 7d).")
        Duration ttl;

        @Option(names = "--json", description = "Print {token, principal, expires, expires_epoch_seconds}.")
        boolean json;

        @Option(names = {"-q", "--quiet"}, description = "Print the token alone (for $(...) in scripts).")
        boolean quiet;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        public Create() {
        }

        Create(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            String request = ttl == null ? "{}" : "{\"ttl_seconds\": " + ttl.toSeconds() + "}";
            return OperatorClient.run("token create", err, () -> print(new OperatorClient().postJson(locator,
                    cluster, "/tokens", request.getBytes(StandardCharsets.UTF_8))));
        }

        private void print(byte[] answer) {
            JsonNode issued;
            try {
                issued = JSON.readTree(answer);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (json) {
                out.println(issued);
            } else if (quiet) {
                out.println(issued.path("token").asText());
            } else {
                Instant expires = Instant.ofEpochSecond(issued.path("expires_epoch_seconds").asLong());
                out.println("Token for principal '" + issued.path("principal").asText() + "', valid until "
                        + expires + " (in " + PsCommand.age(Duration.between(clock.instant(), expires).toMillis()) + "):");
                out.println(issued.path("token").asText());
                out.println("Use it with: export CORRAL_TOKEN=<token>, or --token-file FILE");
            }
            out.flush();
        }
    }
}
