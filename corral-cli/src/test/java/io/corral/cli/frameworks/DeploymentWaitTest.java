package io.corral.cli.frameworks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.cli.ClusterLocator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/** {@code corral app ... --wait} on a fake clock, against a scripted framework API. */
class DeploymentWaitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DeploymentWait.Limits LIMITS = new DeploymentWait.Limits(Duration.ofMinutes(10),
            Duration.ofMinutes(2), 3);

    /** Time that passes only when the wait pauses. */
    private static final class FakeClock implements DeploymentWait.Clock {
        long nanos;

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public void pause(Duration duration) {
            nanos += duration.toNanos();
        }
    }

    /** Answers {@code GET /v1/deployments} from a script; the last answer repeats. */
    private static final class Script implements DeploymentWait.Source {
        final Deque<Object> answers = new ArrayDeque<>();
        int leaderSearches;

        Script then(Object answer) {
            answers.add(answer);
            return this;
        }

        @Override
        public JsonNode deployments() {
            Object next = answers.size() > 1 ? answers.poll() : answers.peek();
            if (next instanceof RuntimeException e) {
                throw e;
            }
            return (JsonNode) next;
        }

        @Override
        public JsonNode app(String id) {
            return json("{'counts': {'running': 2, 'healthy': 2, 'target': 2}}");
        }

        @Override
        public boolean findLeaderAgain() {
            leaderSearches++;
            return true;
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static JsonNode inProgress(int running, int healthy) {
        return json("{'deployments': [{'id': 'd1', 'kind': 'UPDATE', 'staged': 0, 'running': " + running
                + ", 'healthy': " + healthy + ", 'target': 2, 'old': 0, 'failures': 0}]}");
    }

    private static final JsonNode DONE = json("{'deployments': []}");

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final FakeClock clock = new FakeClock();

    private DeploymentWait waitOn(Script script) {
        return new DeploymentWait(script, new PrintStream(printed, true, StandardCharsets.UTF_8), LIMITS, clock);
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsEachChangeOfProgressOnceAndTheTimeItTook() throws Exception {
        waitOn(new Script().then(inProgress(1, 0)).then(inProgress(1, 0)).then(inProgress(2, 1)).then(DONE))
                .await("web", "d1");
        assertThat(printed()).isEqualTo("web update: 0 staged, 1 running, 0 healthy of 2\n"
                + "web update: 0 staged, 2 running, 1 healthy of 2\n"
                + "Deployment d1 of web done in 1.5 s: 2 running, 2 healthy of 2\n");
    }

    @Test
    void ridesALeaderFailoverAndFindsTheNewLeader() throws Exception {
        Script script = new Script().then(inProgress(1, 1))
                .then(new ClusterLocator.ClusterException("cannot reach http://s1:8090: Connection refused", 1))
                .then(new ClusterLocator.ClusterException("cannot reach http://s1:8090: Connection refused", 1))
                .then(new FrameworkApi.RefusedException(503, "no process leads", json("{}")))
                .then(inProgress(2, 2)).then(DONE);
        waitOn(script).await("web", "d1");
        assertThat(printed()).containsOnlyOnce("cannot be reached; waiting for a standby to take over")
                .contains("Deployment d1 of web done");
        assertThat(script.leaderSearches).isEqualTo(3);
    }

    @Test
    void aLeaderThatNeverComesBackIsAStallWithAHint() {
        Script script = new Script().then(inProgress(1, 1))
                .then(new ClusterLocator.ClusterException("cannot reach http://s1:8090", 1));
        assertThatThrownBy(() -> waitOn(script).await("web", "d1"))
                .isInstanceOf(DeploymentWait.FailedException.class)
                .hasMessageContaining("stalled: no progress for 120.5 s")
                .hasMessageContaining("does a Services process lead");
        assertThat(clock.nanos).isEqualTo(Duration.ofMillis(120_500).toNanos());
    }

    @Test
    void failsWithTheReasonOnceTooManyInstancesEndedOnTheirOwn() {
        JsonNode failing = json("{'deployments': [{'id': 'd1', 'kind': 'DEPLOY', 'staged': 0, 'running': 0,"
                + " 'healthy': 0, 'target': 2, 'old': 0, 'failures': 3, 'reason': 'exited with status 127'}]}");
        assertThatThrownBy(() -> waitOn(new Script().then(failing)).await("web", "d1"))
                .hasMessage("deployment d1 of web failed: 3 instances ended on their own; exited with status 127");
    }

    @Test
    void otherRefusalsEndTheWaitAtOnce() {
        Script script = new Script().then(new FrameworkApi.RefusedException(401, "unauthorized", json("{}")));
        assertThatThrownBy(() -> waitOn(script).await("web", "d1")).isInstanceOf(FrameworkApi.RefusedException.class);
    }
}
