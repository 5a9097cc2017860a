package io.corral.master;

import java.util.Collections;
import java.util.Optional;
import java.util.Map;
import java.util.TreeMap;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * The figures the leading master's loop publishes for {@link MasterMetrics}: gauges of what it holds now (agents,
 * frameworks, resources, tasks by state) and counters of what happened since this master started leading.
 *
 * <p>Immutable: the loop builds a fresh one when asked (or keeps the counters in an immutable field it replaces,
 * e.g. {@code taskCounters = taskCounters.counted(state)}), so readers on other threads never see half an update.
 *
 * @param agents             agents by link and activation state
 * @param frameworks         frameworks by connection and activation state
 * @param resources          totals over the registered agents, and what tasks use of them
 * @param tasks              non-terminal tasks by state (gauges)
 * @param taskCounters       tasks that reached each terminal state (counters)
 * @param agentCounters      agent registrations and removals (counters)
 * @param outstandingOffers  offers sent and not yet accepted, declined or rescinded
 * @param eventQueueMessages events waiting in the master's loop
 * @param allocationRuns     allocation cycles run (counter)
 * @param allocator          the allocator's figures: cycle times, shares, filters, resources, quota
 */
public record MasterCounts(Agents agents, Frameworks frameworks, Resources resources, Tasks tasks,
                           TaskCounters taskCounters, AgentCounters agentCounters, long outstandingOffers,
                           long eventQueueMessages, long allocationRuns, Allocator allocator) {

    /** All zero: what a standby (or a leader with nothing yet) reports. */
    public static final MasterCounts EMPTY = new MasterCounts(new Agents(0, 0, 0, 0, 0), new Frameworks(0, 0, 0, 0),
            new Resources(0, 0, 0, 0, 0, 0, 0, 0), new Tasks(0, 0, 0, 0, 0), TaskCounters.NONE, AgentCounters.NONE,
            0, 0, 0, Allocator.NONE);

    /**
     * What Mesos reports under {@code allocator/mesos/...}, computed from a published view. Maps are sorted by key.
     *
     * @param runTimes          allocation cycle times (empty before the first cycle)
     * @param queuedDispatches  allocation cycles queued on the loop and not run yet (0 or 1: requests coalesce)
     * @param dominantShares    each role with frameworks: the dominant share of what its subtree holds (offered or
     *                          allocated), divided by the role's weight
     * @param offerFilters      each role with frameworks: its frameworks' decline filters not yet expired
     * @param total             {@code cpus}, {@code mem}, {@code disk} over the registered agents
     * @param offeredOrAllocated the same, offered or used by tasks
     * @param quota             each role with a quota
     */
    public record Allocator(Optional<AllocationTimes.Stats> runTimes, long queuedDispatches,
                            Map<String, Double> dominantShares, Map<String, Long> offerFilters,
                            Map<String, Double> total, Map<String, Double> offeredOrAllocated,
                            Map<String, RoleQuota> quota) {
        public static final Allocator NONE = new Allocator(Optional.empty(), 0, new TreeMap<>(), new TreeMap<>(),
                new TreeMap<>(), new TreeMap<>(), new TreeMap<>());

        public Allocator {
            dominantShares = Collections.unmodifiableMap(new TreeMap<>(dominantShares));
            offerFilters = Collections.unmodifiableMap(new TreeMap<>(offerFilters));
            total = Collections.unmodifiableMap(new TreeMap<>(total));
            offeredOrAllocated = Collections.unmodifiableMap(new TreeMap<>(offeredOrAllocated));
            quota = Collections.unmodifiableMap(new TreeMap<>(quota));
        }
    }

    /**
     * A role's quota and what counts against it, by resource name: only the resources its quota names.
     *
     * @param guarantee          what the quota guarantees
     * @param limit              what the quota limits the role to
     * @param consumed           what the role's tasks use (Corral has no reservations, which Mesos adds)
     * @param offeredOrAllocated what the role holds, offered or used
     */
    public record RoleQuota(Map<String, Double> guarantee, Map<String, Double> limit,
                            Map<String, Double> consumed, Map<String, Double> offeredOrAllocated) {
        public RoleQuota {
            guarantee = Collections.unmodifiableMap(new TreeMap<>(guarantee));
            limit = Collections.unmodifiableMap(new TreeMap<>(limit));
            consumed = Collections.unmodifiableMap(new TreeMap<>(consumed));
            offeredOrAllocated = Collections.unmodifiableMap(new TreeMap<>(offeredOrAllocated));
        }
    }

    /**
     * Agents, as Mesos counts them: active/inactive is whether offers are made from the agent (an operator or a
     * drain deactivates it); connected/disconnected is whether its link is up; unreachable ones are no longer
     * registered (their ZooKeeper presence or pings failed) and counted only here.
     */
    public record Agents(long active, long inactive, long connected, long disconnected, long unreachable) {}

    /** Frameworks, as Mesos counts them: active frameworks get offers; connected ones have a live stream. */
    public record Frameworks(long active, long inactive, long connected, long disconnected) {}

    /** Scalar resources over the registered agents; "used" is what tasks hold. */
    public record Resources(double cpusTotal, double cpusUsed, double memTotal, double memUsed,
                            double diskTotal, double diskUsed, double gpusTotal, double gpusUsed) {}

    /** Tasks by non-terminal state now (gauges). */
    public record Tasks(long staging, long starting, long running, long killing, long unreachable) {}

    /** Tasks that reached each terminal state since this master began leading (counters). */
    public record TaskCounters(long finished, long failed, long killed, long lost, long error, long dropped,
                               long gone, long goneByOperator) {
        public static final TaskCounters NONE = new TaskCounters(0, 0, 0, 0, 0, 0, 0, 0);

        /** These counters with one more task in {@code state}; unchanged for a non-terminal state. */
        public TaskCounters counted(TaskState state) {
            return switch (state) {
                case TASK_FINISHED -> new TaskCounters(finished + 1, failed, killed, lost, error, dropped, gone, goneByOperator);
                case TASK_FAILED -> new TaskCounters(finished, failed + 1, killed, lost, error, dropped, gone, goneByOperator);
                case TASK_KILLED -> new TaskCounters(finished, failed, killed + 1, lost, error, dropped, gone, goneByOperator);
                case TASK_LOST -> new TaskCounters(finished, failed, killed, lost + 1, error, dropped, gone, goneByOperator);
                case TASK_ERROR -> new TaskCounters(finished, failed, killed, lost, error + 1, dropped, gone, goneByOperator);
                case TASK_DROPPED -> new TaskCounters(finished, failed, killed, lost, error, dropped + 1, gone, goneByOperator);
                case TASK_GONE -> new TaskCounters(finished, failed, killed, lost, error, dropped, gone + 1, goneByOperator);
                case TASK_GONE_BY_OPERATOR ->
                        new TaskCounters(finished, failed, killed, lost, error, dropped, gone, goneByOperator + 1);
                default -> this;
            };
        }
    }

    /** Agent registrations, re-registrations and removals since this master began leading (counters). */
    public record AgentCounters(long registrations, long reregistrations, long removals) {
        public static final AgentCounters NONE = new AgentCounters(0, 0, 0);

        public AgentCounters registered() {
            return new AgentCounters(registrations + 1, reregistrations, removals);
        }

        public AgentCounters reregistered() {
            return new AgentCounters(registrations, reregistrations + 1, removals);
        }

        public AgentCounters removed() {
            return new AgentCounters(registrations, reregistrations, removals + 1);
        }
    }
}
