package io.corral.agent.checks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.corral.protocol.concurrent.ManualTimers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos.CheckInfo;
import org.apache.mesos.v1.Protos.CheckStatusInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.HealthCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health checks and checks on a manual clock: the probe is scripted (or real, for HTTP, TCP and COMMAND), the loop
 * and the worker are the test thread, so every step is deterministic.
 */
class HealthCheckerTest {
    private final ManualTimers timers = new ManualTimers(1_000_000);
    private final List<String> reported = new ArrayList<>();
    @TempDir Path sandbox;

    /** Answers from a script: true passes, false fails. */
    private static final class ScriptedProbe implements Probe {
        final Deque<Boolean> answers = new ArrayDeque<>();
        int runs;

        @Override
        public ProbeResult run(Duration timeout) {
            runs++;
            return answers.isEmpty() || answers.poll() ? ProbeResult.of(0) : ProbeResult.of(1);
        }

        @Override
        public String describe() {
            return "scripted";
        }
    }

    private HealthChecker healthChecker(HealthCheck check, Probe probe) {
        return new HealthChecker(check, "t1", probe, timers, Runnable::run, Runnable::run,
                (healthy, kill, detail) -> reported.add(healthy + (kill ? " kill" : "")));
    }

    private static HealthCheck.Builder command() {
        return HealthCheck.newBuilder().setType(HealthCheck.Type.COMMAND)
                .setCommand(CommandInfo.newBuilder().setValue("true"));
    }

    @Test
    void mesosDefaultsFirstCheckAfter15sThenEvery10s() {
        ScriptedProbe probe = new ScriptedProbe();
        healthChecker(command().build(), probe).start();
        timers.advance(Duration.ofSeconds(14));
        assertThat(probe.runs).isZero();
        timers.advance(Duration.ofSeconds(1));
        assertThat(probe.runs).isEqualTo(1);
        timers.advance(Duration.ofSeconds(10));
        assertThat(probe.runs).isEqualTo(2);
        assertThat(reported).containsExactly("true"); // healthy once, not on every success
    }

    @Test
    void failuresInTheGracePeriodAreIgnoredUntilTheFirstSuccess() {
        ScriptedProbe probe = new ScriptedProbe();
        probe.answers.addAll(List.of(false, false, true, false));
        healthChecker(command().setDelaySeconds(1).setIntervalSeconds(1).setGracePeriodSeconds(5)
                .setConsecutiveFailures(3).build(), probe).start();
        timers.advance(Duration.ofSeconds(2)); // two failures within the grace period
        assertThat(reported).isEmpty();
        timers.advance(Duration.ofSeconds(1)); // healthy
        timers.advance(Duration.ofSeconds(1)); // a failure within the grace period, but after a success: counts
        assertThat(reported).containsExactly("true", "false");
    }

    @Test
    void everyFailureIsReportedAndTheKillComesAfterConsecutiveFailures() {
        ScriptedProbe probe = new ScriptedProbe();
        probe.answers.addAll(List.of(true, false, false, true, false, false, false));
        healthChecker(command().setDelaySeconds(0).setIntervalSeconds(1).setGracePeriodSeconds(0)
                .setConsecutiveFailures(3).build(), probe).start();
        timers.advance(Duration.ofSeconds(6));
        assertThat(reported).containsExactly("true", "false", "false", "true", "false", "false", "false kill");
    }

    @Test
    void stoppedCheckersReportNothingMore() {
        ScriptedProbe probe = new ScriptedProbe();
        HealthChecker checker = healthChecker(command().setDelaySeconds(1).build(), probe);
        checker.start();
        checker.stop();
        timers.advance(Duration.ofMinutes(1));
        assertThat(probe.runs).isZero();
        assertThat(timers.pendingCount()).isZero();
    }

    @Test
    void realHttpTcpAndCommandProbes() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/ok", exchange -> {
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/broken", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.start();
        try (ServerSocket listening = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = server.getAddress().getPort();
            assertThat(new HttpProbe("http", port, "ok").run(Duration.ofSeconds(5))).isEqualTo(ProbeResult.of(302));
            assertThat(new HttpProbe(null, port, "/broken").run(Duration.ofSeconds(5)).value()).isEqualTo(503);
            assertThat(new TcpProbe(listening.getLocalPort()).run(Duration.ofSeconds(5)).value()).isEqualTo(1);
            int closed;
            try (ServerSocket probe = new ServerSocket(0)) {
                closed = probe.getLocalPort();
            }
            assertThat(new TcpProbe(closed).run(Duration.ofSeconds(5)).value()).isZero();
            assertThat(new HttpProbe("http", closed, "/").run(Duration.ofSeconds(5)).performed()).isFalse();
        } finally {
            server.stop(0);
        }
        Files.writeString(sandbox.resolve("marker"), "x");
        Probe inSandbox = Probes.of(command().setCommand(CommandInfo.newBuilder()
                .setValue("test -e marker && test \"$MESOS_SANDBOX\" = \"$PWD\" && test \"$FROM_TASK\" = yes"
                        + " && exit 7")).build(), sandbox, Map.of(),
                CommandInfo.newBuilder().setValue("sleep 1").setEnvironment(org.apache.mesos.v1.Protos.Environment
                        .newBuilder().addVariables(org.apache.mesos.v1.Protos.Environment.Variable.newBuilder()
                                .setName("FROM_TASK").setValue("yes"))).build());
        assertThat(inSandbox.run(Duration.ofSeconds(10))).isEqualTo(ProbeResult.of(7));
        Probe slow = Probes.of(command().setCommand(CommandInfo.newBuilder().setValue("sleep 30")).build(), sandbox,
                Map.of(), CommandInfo.getDefaultInstance());
        ProbeResult timedOut = slow.run(Duration.ofMillis(200));
        assertThat(timedOut.performed()).isFalse();
        assertThat(timedOut.error()).contains("timed out");
    }

    @Test
    void aCheckReportsItsResultWhenItChangesAndEmptyWhenItCannotBePerformed() {
        List<CheckStatusInfo> statuses = new ArrayList<>();
        Deque<ProbeResult> results = new ArrayDeque<>(List.of(ProbeResult.of(3), ProbeResult.of(3),
                ProbeResult.of(0), ProbeResult.failed("Command timed out after 1 s")));
        Probe probe = new Probe() {
            @Override
            public ProbeResult run(Duration timeout) {
                return results.poll();
            }

            @Override
            public String describe() {
                return "scripted";
            }
        };
        CheckInfo check = CheckInfo.newBuilder().setType(CheckInfo.Type.COMMAND).setDelaySeconds(1)
                .setIntervalSeconds(1).build();
        new Checker(check, "t1", probe, timers, Runnable::run, Runnable::run, statuses::add).start();
        timers.advance(Duration.ofSeconds(4));
        assertThat(statuses).extracting(status -> status.getCommand().hasExitCode()
                ? status.getCommand().getExitCode() : null).containsExactly(3, 0, null);
        assertThat(statuses.get(2)).isEqualTo(Checker.empty(check));
        assertThat(Checker.empty(check).getType()).isEqualTo(CheckInfo.Type.COMMAND);
        assertThat(Checker.empty(check).hasCommand()).isTrue();
    }
}
