package io.corral.frameworks.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.frameworks.jobs.LaunchPlanner.Candidate;
import io.corral.frameworks.jobs.LaunchPlanner.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;

class LaunchPlannerTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private static Offer offer(String id, double cpus, double mem) {
        return Offer.newBuilder().setId(OfferID.newBuilder().setValue(id))
                .setFrameworkId(FrameworkID.newBuilder().setValue("f"))
                .setAgentId(AgentID.newBuilder().setValue("agent-" + id)).setHostname("host-" + id)
                .addResources(scalar("cpus", cpus)).addResources(scalar("mem", mem)).build();
    }

    private static Resource scalar(String name, double value) {
        return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
    }

    private static Candidate candidate(String id, double cpus, double mem, long run) {
        JobDefinition job = new JobDefinition(id, JobCommand.argv(List.of("/bin/echo", "hi")), null, cpus, mem, 0,
                Map.of("GREETING", "hi"), null, Map.of("team", "a"), null, RetryPolicy.NONE, Duration.ofSeconds(5),
                ConcurrencyPolicy.ALLOW);
        return new Candidate(job, JobState.created(job, T0).runNow(T0).run(run).orElseThrow());
    }

    @Test
    void runsArePackedOntoTheFirstOfferThatFitsAndTheRestDeclined() {
        Plan plan = LaunchPlanner.plan(List.of(offer("o1", 1, 256), offer("o2", 1, 256), offer("o3", 1, 256)),
                List.of(candidate("a", 0.5, 128, 1), candidate("b", 0.5, 128, 1), candidate("c", 0.5, 128, 1)),
                (job, run) -> job.id() + "-task");
        assertThat(plan.launches().get(OfferID.newBuilder().setValue("o1").build()))
                .extracting(LaunchPlanner.Placement::jobId).containsExactly("a", "b");
        assertThat(plan.launches().get(OfferID.newBuilder().setValue("o2").build()))
                .extracting(LaunchPlanner.Placement::jobId).containsExactly("c");
        assertThat(plan.unused()).extracting(OfferID::getValue).containsExactly("o3");
    }

    @Test
    void aRunTooBigForEveryOfferWaits() {
        Plan plan = LaunchPlanner.plan(List.of(offer("o1", 1, 256)), List.of(candidate("big", 4, 128, 1)),
                (job, run) -> "t");
        assertThat(plan.placements()).isEmpty();
        assertThat(plan.unused()).hasSize(1);
    }

    @Test
    void theTaskCarriesTheJobsCommandEnvironmentLabelsAndExactlyItsResources() {
        Plan plan = LaunchPlanner.plan(List.of(offer("o1", 1, 256)), List.of(candidate("a", 0.25, 64, 1)),
                (job, run) -> "a.1.1-x");
        TaskInfo task = plan.placements().get(0).task();
        assertThat(task.getTaskId().getValue()).isEqualTo("a.1.1-x");
        assertThat(task.getCommand().getShell()).isFalse();
        assertThat(task.getCommand().getValue()).isEqualTo("/bin/echo");
        assertThat(task.getCommand().getArgumentsList()).containsExactly("/bin/echo", "hi");
        assertThat(task.getCommand().getEnvironment().getVariables(0).getName()).isEqualTo("GREETING");
        assertThat(task.getLabels().getLabelsList()).extracting(l -> l.getKey() + "=" + l.getValue())
                .contains("team=a", "corral.job=a", "corral.run=1");
        assertThat(total(task.getResourcesList(), "cpus")).isEqualTo(0.25);
        assertThat(total(task.getResourcesList(), "mem")).isEqualTo(64);
    }

    private static double total(List<Resource> resources, String name) {
        return resources.stream().filter(r -> r.getName().equals(name)).mapToDouble(r -> r.getScalar().getValue())
                .sum();
    }
}
