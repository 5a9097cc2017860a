package io.corral.agent;

import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpStream;
import com.google.protobuf.ByteString;
import io.corral.protocol.recordio.RecordIO;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.ContainerID;
import org.apache.mesos.v1.Protos.DurationInfo;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.KillPolicy;
import org.apache.mesos.v1.Protos.TaskGroupInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.executor.Protos.Event;

/**
 * The event stream of a subscribed executor, and the events the agent sends on it: each event is one RecordIO record
 * in one HTTP chunk, in the encoding the executor asked for, as on the scheduler API.
 *
 * <p>Threading: immutable; {@link HttpStream} may be written from any thread (the agent writes from its loop).
 */
final class ExecutorSubscription {
    private final HttpStream stream;
    private final Encoding encoding;

    ExecutorSubscription(HttpStream stream, Encoding encoding) {
        this.stream = stream;
        this.encoding = encoding;
    }

    /** Sends one event; a broken stream shows up through {@link HttpStream#onClose}, so failures are not reported. */
    void send(Event event) {
        stream.send(RecordIO.frame(encoding.encode(event)));
    }

    /** The first event of every subscription. */
    void subscribed(ExecutorInfo executor, FrameworkInfo framework, AgentInfo agent, String containerId) {
        send(Event.newBuilder().setType(Event.Type.SUBSCRIBED).setSubscribed(Event.Subscribed.newBuilder()
                .setExecutorInfo(executor).setFrameworkInfo(framework).setAgentInfo(agent)
                .setContainerId(ContainerID.newBuilder().setValue(containerId))).build());
    }

    void launch(TaskInfo task) {
        send(Event.newBuilder().setType(Event.Type.LAUNCH).setLaunch(Event.Launch.newBuilder().setTask(task))
                .build());
    }

    void launchGroup(List<TaskInfo> tasks) {
        send(Event.newBuilder().setType(Event.Type.LAUNCH_GROUP).setLaunchGroup(Event.LaunchGroup.newBuilder()
                .setTaskGroup(TaskGroupInfo.newBuilder().addAllTasks(tasks))).build());
    }

    /** KILL; a positive grace period (the framework's) becomes the event's kill policy. */
    void kill(TaskID taskId, long gracePeriodNanos) {
        Event.Kill.Builder kill = Event.Kill.newBuilder().setTaskId(taskId);
        if (gracePeriodNanos > 0) {
            kill.setKillPolicy(KillPolicy.newBuilder().setGracePeriod(DurationInfo.newBuilder()
                    .setNanoseconds(gracePeriodNanos)));
        }
        send(Event.newBuilder().setType(Event.Type.KILL).setKill(kill).build());
    }

    /** The framework acknowledged the executor's update {@code uuid} (the exact bytes the executor chose). */
    void acknowledged(TaskID taskId, ByteString uuid) {
        send(Event.newBuilder().setType(Event.Type.ACKNOWLEDGED)
                .setAcknowledged(Event.Acknowledged.newBuilder().setTaskId(taskId).setUuid(uuid)).build());
    }

    void message(ByteString data) {
        send(Event.newBuilder().setType(Event.Type.MESSAGE).setMessage(Event.Message.newBuilder().setData(data))
                .build());
    }

    void shutdown() {
        send(Event.newBuilder().setType(Event.Type.SHUTDOWN).build());
    }

    boolean isOpen() {
        return stream.isOpen();
    }

    void close() {
        stream.close();
    }

    HttpStream stream() {
        return stream;
    }
}
