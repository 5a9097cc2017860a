package io.corral.frameworks.services;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Decides, for one app, what to do next from a snapshot of its desired state and its instances: how many instances
 * to launch and which tasks to kill, and whether the app has arrived (its deployment, if any, is complete). Pure: no
 * I/O, no clock; the scheduler carries the plan out and asks again after every change.
 *
 * <p>Rules:
 * <ul>
 *   <li>Instances launched from a version older than the app's {@code configVersion} are <em>old</em> and are
 *       replaced by a rolling deployment: at least {@code ceil(N x minimumHealthCapacity)} instances stay ready
 *       (healthy, or running when the app has no health check) and at most
 *       {@code N + floor(N x maximumOverCapacity)} tasks exist at once (tasks being killed included: they still hold
 *       resources). Not-ready old instances go first.</li>
 *   <li>Unreachable instances do not count: they are replaced at once. One that comes back makes a surplus, and a
 *       surplus is killed (not-ready instances first, then those that came back, then the newest), so the app
 *       returns to exactly {@code N}.</li>
 *   <li>Nothing is decided for an app while any of its instances is {@link Instance#recovered()} (a new leader
 *       waiting for reconciliation to report it).</li>
 *   <li>A removed app has every instance killed; it is complete when only unreachable ones are left (those are
 *       killed as strangers if they ever return).</li>
 * </ul>
 *
 * <p>Stateless; thread-safe.
 */
public final class DeploymentPlanner {
    private DeploymentPlanner() {
    }

    /** What to do now. {@code complete}: nothing left to do, every instance current and ready. */
    public record Plan(int launch, List<String> kill, boolean complete) {
        public boolean wantsOffers() {
            return launch > 0;
        }
    }

    public static Plan plan(StoredApp app, Collection<Instance> instances) {
        if (instances.stream().anyMatch(Instance::recovered)) {
            // A new leader has not heard yet whether these run: launching could duplicate them, killing "not
            // ready" ones could drop below the minimum healthy. Wait for reconciliation.
            return new Plan(0, List.of(), false);
        }
        if (app.removing()) {
            List<String> kill = instances.stream().filter(i -> !i.killRequested() && !i.unreachable())
                    .map(Instance::id).toList();
            boolean done = instances.stream().allMatch(Instance::unreachable);
            return new Plan(0, kill, done);
        }
        AppDefinition def = app.definition();
        boolean checked = def.hasHealthCheck();
        int target = def.instances();
        List<Instance> active = instances.stream().filter(Instance::active).toList();
        List<Instance> current = active.stream().filter(i -> i.task().version() >= app.configVersion()).toList();
        List<Instance> old = active.stream().filter(i -> i.task().version() < app.configVersion()).toList();
        long leaving = instances.stream().filter(i -> !i.active() && !i.unreachable()).count();
        List<String> kill = new ArrayList<>();

        if (current.size() > target) {
            current.stream().sorted(surplusOrder(checked)).limit(current.size() - target)
                    .forEach(i -> kill.add(i.id()));
        }
        int keptCurrent = Math.min(current.size(), target);
        int ready = (int) active.stream().filter(i -> !kill.contains(i.id()) && i.ready(checked)).count();
        if (!old.isEmpty()) {
            int minimumReady = (int) Math.ceil(target * def.upgradeStrategy().minimumHealthCapacity() - 1e-9);
            for (Instance i : old.stream().sorted(oldOrder(checked)).toList()) {
                if (!i.ready(checked)) {
                    kill.add(i.id());
                } else if (ready - 1 >= minimumReady) {
                    kill.add(i.id());
                    ready--;
                }
            }
        }
        int maximum = target + (int) Math.floor(target * def.upgradeStrategy().maximumOverCapacity() + 1e-9);
        if (old.isEmpty()) {
            maximum = Math.max(maximum, target); // no rolling: simply keep the count
        }
        long existing = active.size() + leaving; // killed ones still hold their resources until they end
        int launch = (int) Math.max(0, Math.min(target - keptCurrent, maximum - existing));
        if (old.isEmpty() && keptCurrent < target) {
            launch = target - keptCurrent; // replacing lost instances never waits for the over-capacity room
        }
        boolean complete = old.isEmpty() && kill.isEmpty() && current.size() == target && leaving == 0
                && current.stream().allMatch(i -> i.ready(checked));
        return new Plan(launch, List.copyOf(kill), complete);
    }

    /** Surplus instances to kill first: not ready, came back from unreachable, newest. */
    private static Comparator<Instance> surplusOrder(boolean checked) {
        return Comparator.<Instance, Boolean>comparing(i -> i.ready(checked))
                .thenComparing(i -> !i.returned())
                .thenComparing(i -> i.task().launchedAt(), Comparator.reverseOrder());
    }

    /** Old instances to replace first: not ready, oldest version, oldest launch. */
    private static Comparator<Instance> oldOrder(boolean checked) {
        return Comparator.<Instance, Boolean>comparing(i -> i.ready(checked))
                .thenComparingLong(i -> i.task().version())
                .thenComparing(i -> i.task().launchedAt());
    }
}
