package io.corral.master;

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
 */
public record MasterCounts(Agents agents, Frameworks frameworks, Resources resources, Tasks tasks,
                           TaskCounters taskCounters, AgentCounters agentCounters, long outstandingOffers,
                           long eventQueueMessages, long allocationRuns) {

    /** All zero: what a standby (or a leader with nothing yet) reports. */
    public static final MasterCounts EMPTY = new MasterCounts(new Agents(0, 0, 0, 0, 0), new Frameworks(0, 0, 0, 0),
            new Resources(0, 0, 0, 0, 0, 0, 0, 0), new Tasks(0, 0, 0, 0, 0), TaskCounters.NONE, AgentCounters.NONE,
            0, 0, 0);

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
