package io.corral.cli;

import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.InflatingBodyHandler;
import io.corral.scheduler.MasterAddresses;
import io.corral.scheduler.MasterLocator;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;

/**
 * The CLI's client of the Mesos v1 operator API ({@code POST /api/v1}) on the cluster's leading master: locates the
 * cluster from a command's options, follows one redirect from a standby to the leader, and turns every failure into
 * one line saying what to do, for the command to print.
 *
 * <p>Stateless; thread-safe.
 */
final class OperatorClient {
    private static final Duration LOCATE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    /** The call failed; the message says why and what to do. */
    static final class OperatorException extends RuntimeException {
        private final int exitCode;

        OperatorException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Sends {@code call} to the leader of the cluster {@code options} name; returns its {@link Response}, or empty
     * for a call answered with an empty 200 (UPDATE_WEIGHTS, UPDATE_QUOTA) or 202 (RESERVE_RESOURCES...).
     */
    Optional<Response> call(ClusterLocator locator, ClusterOptions options, Call call) throws InterruptedException {
        try {
            ClusterLocator.Target target = locator.resolve(options);
            try (MasterLocator masters = locator.open(target)) {
                return send(target, masters.master(LOCATE_TIMEOUT), call);
            }
        } catch (ClusterLocator.ClusterException e) {
            throw new OperatorException(e.getMessage(), e.exitCode());
        } catch (MasterLocator.MasterNotFoundException e) {
            throw new OperatorException(e.getMessage(), 1);
        }
    }

    /**
     * POSTs {@code json} to one of Corral's own endpoints ({@code path}, e.g. {@code /api/v1/corral/kill}) on the
     * leader, following one redirect from a standby; returns the answer's body.
     */
    byte[] postJson(ClusterLocator locator, ClusterOptions options, String path, byte[] json)
            throws InterruptedException {
        ClusterLocator.Target target;
        try {
            target = locator.resolve(options);
        } catch (ClusterLocator.ClusterException e) {
            throw new OperatorException(e.getMessage(), e.exitCode());
        }
        try (MasterLocator masters = locator.open(target)) {
            URI master = masters.master(LOCATE_TIMEOUT);
            HttpClient http = target.httpClient(CONNECT_TIMEOUT);
            HttpResponse<byte[]> response = post(http, target, master, path, json);
            if (response.statusCode() == 307) {
                master = MasterAddresses.redirectTarget(response.headers().firstValue("Location").orElse(null),
                        master);
                response = post(http, target, master, path, json);
            }
            if (response.statusCode() != 200) {
                throw refused(path, master, response);
            }
            return response.body();
        } catch (ClusterLocator.ClusterException e) {
            throw new OperatorException(e.getMessage(), e.exitCode());
        } catch (MasterLocator.MasterNotFoundException e) {
            throw new OperatorException(e.getMessage(), 1);
        } catch (IllegalArgumentException e) {
            throw new OperatorException("the leader redirected badly: " + e.getMessage(), 1);
        }
    }

    /** Runs {@code command} and prints its failure as {@code corral <name>: <why>}; returns the exit code. */
    static int run(String name, PrintStream err, CheckedCall command) throws InterruptedException {
        try {
            command.run();
            return 0;
        } catch (OperatorException e) {
            err.println("corral " + name + ": " + e.getMessage());
            return e.exitCode();
        }
    }

    /** A command body that may be interrupted. */
    interface CheckedCall {
        void run() throws InterruptedException;
    }

    private Optional<Response> send(ClusterLocator.Target target, URI master, Call call)
            throws InterruptedException {
        HttpClient http = target.httpClient(CONNECT_TIMEOUT);
        byte[] body = Encoding.JSON.encode(call);
        HttpResponse<byte[]> response = post(http, target, master, "/api/v1", body);
        if (response.statusCode() == 307) {
            URI leader;
            try {
                leader = MasterAddresses.redirectTarget(response.headers().firstValue("Location").orElse(null),
                        master);
            } catch (IllegalArgumentException e) {
                throw new OperatorException("the master at " + master + " redirected badly: " + e.getMessage(), 1);
            }
            master = leader;
            response = post(http, target, leader, "/api/v1", body);
        }
        if (response.statusCode() != 200 && response.statusCode() != 202) { // 202: RESERVE_RESOURCES and the like
            throw refused(call.getType().toString(), master, response);
        }
        if (response.body().length == 0) {
            return Optional.empty();
        }
        return Optional.of(Encoding.JSON.decode(response.body(), Response.getDefaultInstance()));
    }

    /** The master's refusal as one line; 401 and 403 say how to authenticate or what is missing. */
    private static OperatorException refused(String what, URI master, HttpResponse<byte[]> response) {
        String body = new String(response.body(), StandardCharsets.UTF_8).strip();
        String hint = switch (response.statusCode()) {
            case 401 -> " (pass --credential FILE or set CORRAL_CREDENTIAL, or a fresh token from"
                    + " `corral token create`; see docs/security.md)";
            case 403 -> " (the principal you authenticated as is not allowed to; see the cluster's ACLs)";
            default -> "";
        };
        return new OperatorException(what + " on " + master + " answered " + response.statusCode()
                + (body.isEmpty() ? "" : ": " + body) + hint, response.statusCode() == 400 ? 2 : 1);
    }

    /** POSTs a JSON body (the operator API's calls, Corral's own endpoints) and accepts JSON back. */
    private static HttpResponse<byte[]> post(HttpClient http, ClusterLocator.Target target, URI master, String path,
                                             byte[] json) throws InterruptedException {
        HttpRequest.Builder builder = InflatingBodyHandler.ask(HttpRequest.newBuilder(
                        MasterAddresses.resolve(master, path)))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", Encoding.JSON.mediaType())
                .header("Accept", Encoding.JSON.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(json));
        target.authorize(builder);
        HttpRequest request = builder.build();
        try {
            return http.send(request, InflatingBodyHandler.bytes());
        } catch (IOException e) {
            throw new OperatorException(target.whyUnreachable(e, master), 1);
        }
    }
}
