package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.allocator.HierarchicalDrfAllocator;
import io.corral.master.state.AgentLink;
import io.corral.master.state.FrameworkLink;
import io.corral.master.state.OperatorLink;
import io.corral.protocol.MasterInfos;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.ManualTimers;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * A Master on a fake clock, driven from the test thread through its own event loop, with streams that record what
 * the master sends. Time moves only when the test calls {@link #advance}.
 */
final class MasterFixture implements AutoCloseable {
    final EventLoop loop = new EventLoop("test-master");
    final ManualTimers timers = new ManualTimers(1_700_000_000_000L);
    final Master master;
    final InMemoryRegistry registry = new InMemoryRegistry();

    MasterFixture() {
        this(MasterConfig.defaults());
    }

    MasterFixture(MasterConfig config) {
        this(config, AllocationTimes.unregistered());
    }

    MasterFixture(MasterConfig config, AllocationTimes allocationTimes) {
        this(config, allocationTimes, new HierarchicalDrfAllocator());
    }

    MasterFixture(MasterConfig config, io.corral.master.allocator.Allocator allocator) {
        this(config, AllocationTimes.unregistered(), allocator);
    }

    MasterFixture(MasterConfig config, AllocationTimes allocationTimes, io.corral.master.allocator.Allocator allocator) {
        this(config, allocationTimes, allocator, io.corral.protocol.security.Acls.permitAll());
    }

    /** A master deciding under these ACLs. */
    MasterFixture(io.corral.protocol.security.Acls acls) {
        this(MasterConfig.defaults(), AllocationTimes.unregistered(), new HierarchicalDrfAllocator(), acls);
    }

    MasterFixture(MasterConfig config, AllocationTimes allocationTimes, io.corral.master.allocator.Allocator allocator,
                  io.corral.protocol.security.Acls acls) {
        master = new Master(MasterInfos.create("m1", "127.0.0.1", "127.0.0.1", 5050, "1.11.0"), config, loop, timers,
                allocator, new Random(1), registry, allocationTimes, acls);
        run(master::start);
    }

    /** A stream that records what the master sends. */
    static final class RecordingLink implements FrameworkLink, AgentLink, OperatorLink {
        final List<Object> events = new CopyOnWriteArrayList<>();
        volatile boolean open = true;

        @Override public String streamId() { return "stream-" + System.identityHashCode(this); }
        @Override public void send(Event event) { events.add(event); }
        @Override public void send(AgentEvent event) { events.add(event); }
        @Override public void send(org.apache.mesos.v1.master.Protos.Event event) { events.add(event); }
        @Override public boolean isOpen() { return open; }
        @Override public void close() { open = false; }

        List<Event> schedulerEvents(Event.Type type) {
            return events.stream().filter(e -> e instanceof Event ev && ev.getType() == type)
                    .map(Event.class::cast).toList();
        }

        /** The operator events received, by type, in order. */
        List<org.apache.mesos.v1.master.Protos.Event.Type> operatorEventTypes() {
            return events.stream().filter(e -> e instanceof org.apache.mesos.v1.master.Protos.Event)
                    .map(e -> ((org.apache.mesos.v1.master.Protos.Event) e).getType()).toList();
        }

        List<AgentEvent> agentEvents(AgentEvent.Type type) {
            return events.stream().filter(e -> e instanceof AgentEvent ev && ev.type() == type)
                    .map(AgentEvent.class::cast).toList();
        }
    }

    <T> T onLoop(Supplier<T> action) {
        return master.submit(action).join();
    }

    /**
     * Runs {@code action} on the loop, then lets the loop settle: events it queued (a registry write's completion,
     * which applies the change) run too before this returns.
     */
    void run(Runnable action) {
        onLoop(() -> {
            action.run();
            return null;
        });
        while (onLoop(loop::pendingEvents) > 0) {
            onLoop(() -> null);
        }
    }

    void advance(Duration duration) {
        run(() -> timers.advance(duration));
    }

    FrameworkID subscribe(FrameworkInfo info, RecordingLink link) {
        onLoop(() -> master.frameworks().subscribe(subscribeCall(info), java.util.Optional.empty(), id -> link))
                .join(); // durable, then SUBSCRIBED
        Event subscribed = link.schedulerEvents(Event.Type.SUBSCRIBED).get(0);
        return subscribed.getSubscribed().getFrameworkId();
    }

    AgentID registerAgent(AgentInfo info, List<AgentCall.RunningTask> tasks, List<FrameworkInfo> frameworks,
                          RecordingLink link) {
        onLoop(() -> master.agents().register(new AgentCall.Register(AgentProtocol.VERSION, info, tasks,
                frameworks), agentId -> link)).join(); // durable, then REGISTERED
        List<AgentEvent> registered = link.agentEvents(AgentEvent.Type.REGISTERED);
        assertThat(registered).isNotEmpty();
        return registered.get(registered.size() - 1).registered().agentId();
    }

    /** A SUBSCRIBE of {@code info}, naming its framework id when it has one (a resubscription). */
    static Call subscribeCall(FrameworkInfo info) {
        Call.Builder call = Call.newBuilder().setType(Call.Type.SUBSCRIBE)
                .setSubscribe(Call.Subscribe.newBuilder().setFrameworkInfo(info));
        if (info.hasId()) {
            call.setFrameworkId(info.getId());
        }
        return call.build();
    }

    static AgentInfo agentInfo(String resources) {
        return AgentInfo.newBuilder().setHostname("a1").setPort(5051)
                .addAllResources(ResourceSet.parse(resources).toList()).build();
    }

    static FrameworkInfo frameworkInfo(double failoverTimeoutSeconds) {
        return FrameworkInfo.newBuilder().setUser("u").setName("fw").setFailoverTimeout(failoverTimeoutSeconds)
                .build();
    }

    @Override
    public void close() {
        loop.close();
    }
}
