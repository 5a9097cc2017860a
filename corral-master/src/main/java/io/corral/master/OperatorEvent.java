package io.corral.master;

import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.master.Protos.Event;

/**
 * An event of the operator event stream with what decides who may see it ({@link OperatorEventVisibility}): the
 * framework it is about and, for task events, the task. Both null for events about agents and heartbeats.
 *
 * <p>Immutable.
 *
 * @param framework the framework the event is about; null when it is about no framework, or the framework is no
 *     longer known (then only readers who see every framework get it)
 * @param task      the task the event is about, or null
 */
record OperatorEvent(Event event, FrameworkInfo framework, TaskInfo task) {
    /** An event about no framework (agents, heartbeats). */
    static OperatorEvent ofCluster(Event event) {
        return new OperatorEvent(event, null, null);
    }
}
