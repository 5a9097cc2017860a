package io.corral.frameworks.services;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.frameworks.common.FrameworkJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.Test;

/** The planner on snapshots: counts kept, rolling bounds respected, surplus killed. */
class DeploymentPlannerTest {
    private int launched;

    private static StoredApp app(int instances, double minHealthy, double overCapacity, long version,
                                 long configVersion, boolean healthCheck) throws Exception {
        String json = "{\"id\": \"web\", \"cmd\": \"x\", \"instances\": " + instances + ", \"ports\": 1,"
                + " \"upgradeStrategy\": {\"minimumHealthCapacity\": " + minHealthy + ", \"maximumOverCapacity\": "
                + overCapacity + "}" + (healthCheck ? ", \"healthChecks\": [{\"protocol\": \"TCP\"}]" : "") + "}";
        AppDefinition def = AppValidator.parse(FrameworkJson.mapper().readTree(json), null)
                .withVersion(version, "t");
        return new StoredApp(def, configVersion, false);
    }

    private Instance task(long version, TaskState state, Boolean healthy) {
        launched++;
        StoredTask t = new StoredTask("web.t" + launched, "web", version, "a1", "h1", Map.of(), List.of(31000),
                String.format("2026-01-01T00:00:%02dZ", launched), null);
        return new Instance(t, state, healthy, false, false, state == TaskState.TASK_RUNNING ? 1 : 0, false);
    }

    @Test
    void missingInstancesAreLaunchedAndSurplusKilled() throws Exception {
        StoredApp app = app(3, 1, 1, 1, 1, false);
        List<Instance> one = List.of(task(1, TaskState.TASK_RUNNING, null));
        assertThat(DeploymentPlanner.plan(app, one)).isEqualTo(new DeploymentPlanner.Plan(2, List.of(), false));

        List<Instance> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(task(1, TaskState.TASK_RUNNING, null));
        }
        five.set(1, task(1, TaskState.TASK_STAGING, null));
        DeploymentPlanner.Plan plan = DeploymentPlanner.plan(app, five);
        assertThat(plan.launch()).isZero();
        // the staging one goes first, then the newest running one
        assertThat(plan.kill()).containsExactly(five.get(1).id(), five.get(4).id());
    }

    @Test
    void anUnreachableInstanceIsReplacedAtOnceAndTheOneThatComesBackIsKilled() throws Exception {
        StoredApp app = app(2, 1, 1, 1, 1, false);
        Instance a = task(1, TaskState.TASK_RUNNING, null);
        Instance b = task(1, TaskState.TASK_UNREACHABLE, null);
        assertThat(DeploymentPlanner.plan(app, List.of(a, b)).launch()).isEqualTo(1);

        Instance replacement = task(1, TaskState.TASK_RUNNING, null);
        Instance back = b.withState(TaskState.TASK_RUNNING, null, 5);
        DeploymentPlanner.Plan plan = DeploymentPlanner.plan(app, List.of(a, back, replacement));
        assertThat(plan.kill()).containsExactly(back.id());
        assertThat(plan.launch()).isZero();
    }

    @Test
    void aRollingUpdateNeverGoesBelowTheMinimumHealthyNorAboveTheMaximum() throws Exception {
        // 4 instances, at least 3 healthy (0.75), at most 5 at once (0.25 over)
        StoredApp app = app(4, 0.75, 0.25, 2, 2, true);
        List<Instance> tasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tasks.add(task(1, TaskState.TASK_RUNNING, true));
        }
        DeploymentPlanner.Plan first = DeploymentPlanner.plan(app, tasks);
        assertThat(first.kill()).hasSize(1); // 4 ready -> 3: the minimum
        assertThat(first.launch()).isEqualTo(1); // 4 tasks + 1 = 5: the maximum (the killed one still counts)
        assertThat(first.complete()).isFalse();

        // carry it out: the old task is killing, a new one staging
        tasks.set(0, tasks.get(0).killing());
        tasks.add(task(2, null, null));
        DeploymentPlanner.Plan waiting = DeploymentPlanner.plan(app, tasks);
        assertThat(waiting.kill()).isEmpty();
        assertThat(waiting.launch()).isZero();

        // the killed one ends, the new one is running but not healthy yet: room for one more, nothing to kill
        tasks.remove(0);
        tasks.set(3, tasks.get(3).withState(TaskState.TASK_RUNNING, null, 2));
        DeploymentPlanner.Plan second = DeploymentPlanner.plan(app, tasks);
        assertThat(second.kill()).isEmpty();
        assertThat(second.launch()).isEqualTo(1);

        // every new one healthy and the old ones gone: complete
        List<Instance> done = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            done.add(task(2, TaskState.TASK_RUNNING, true));
        }
        assertThat(DeploymentPlanner.plan(app, done)).isEqualTo(new DeploymentPlanner.Plan(0, List.of(), true));
    }

    @Test
    void aNewLeaderDecidesNothingUntilReconciliationReportsTheInstancesItRecovered() throws Exception {
        StoredApp app = app(3, 0.6, 0, 2, 2, true); // rolling from version 1 to 2
        Instance recovered = Instance.recovered(task(1, null, null).task().withHealthy(true));
        List<Instance> tasks = List.of(recovered, task(1, TaskState.TASK_RUNNING, true),
                task(2, TaskState.TASK_RUNNING, true));
        assertThat(DeploymentPlanner.plan(app, tasks)).isEqualTo(new DeploymentPlanner.Plan(0, List.of(), false));

        // reconciliation says it runs (without its health, which was recorded): now one old instance may go (3
        // ready, at least 2 stay)
        List<Instance> heard = List.of(recovered.withState(TaskState.TASK_RUNNING, null, 9), tasks.get(1),
                tasks.get(2));
        assertThat(DeploymentPlanner.plan(app, heard).kill()).hasSize(1);
    }

    @Test
    void aScaleKeepsTheRunningInstances() throws Exception {
        StoredApp scaled = app(3, 1, 1, 2, 1, false); // version 2 only changed the count: config version still 1
        List<Instance> tasks = List.of(task(1, TaskState.TASK_RUNNING, null), task(1, TaskState.TASK_RUNNING, null));
        assertThat(DeploymentPlanner.plan(scaled, tasks)).isEqualTo(new DeploymentPlanner.Plan(1, List.of(), false));
    }

    @Test
    void aRemovedAppHasEveryInstanceKilledAndIsDoneWhenOnlyUnreachableOnesAreLeft() throws Exception {
        StoredApp app = app(2, 1, 1, 1, 1, false).removing(true);
        Instance a = task(1, TaskState.TASK_RUNNING, null);
        Instance b = task(1, TaskState.TASK_UNREACHABLE, null);
        assertThat(DeploymentPlanner.plan(app, List.of(a, b))).isEqualTo(
                new DeploymentPlanner.Plan(0, List.of(a.id()), false));
        assertThat(DeploymentPlanner.plan(app, List.of(b)).complete()).isTrue();
    }
}
