package io.corral.master;

import io.corral.zookeeper.registry.AgentModeRecord;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.MaintenanceRecord;
import io.corral.zookeeper.registry.FrameworkRecord;
import io.corral.zookeeper.registry.RoleRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.FrameworkID;

/**
 * A change to what the master keeps durable: one registry document written or removed. The master decides a change,
 * writes it ({@link Master#commit}), and applies it ({@link DurableChanges#apply}) only once ZooKeeper confirmed the
 * write; a new leader's recovery applies the documents it reads back as the same changes. So memory never holds
 * what the registry does not, and a write ZooKeeper refuses (a deposed leader's fenced write, a lost quorum) leaves
 * no trace.
 */
sealed interface DurableChange {

    /** Writes this change; the future completes when ZooKeeper confirmed it. */
    CompletableFuture<Void> writeTo(Registry registry);

    /** What the change is about, for logs and error messages. */
    String describe();

    /** An agent admitted or re-registered ({@code active}), or marked unreachable or gone. */
    record AgentStored(AgentRecord agent) implements DurableChange {
        @Override
        public CompletableFuture<Void> writeTo(Registry registry) {
            return registry.putAgent(agent);
        }

        @Override
        public String describe() {
            return "agent " + agent.id() + " " + agent.state().kind().name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The dynamic reservations and persistent volumes of an agent changed (RESERVE, UNRESERVE, CREATE, DESTROY, from
     * a framework or an operator): the agent's record with its new {@link AgentRecord#checkpointed()} list.
     */
    record CheckpointedResourcesStored(AgentRecord agent) implements DurableChange {
        @Override
        public CompletableFuture<Void> writeTo(Registry registry) {
            return registry.putAgent(agent);
        }

        @Override
        public String describe() {
            return "reservations and volumes of agent " + agent.id();
        }
    }

    /** A framework subscribed (no deadline), or disconnected with the deadline its failover timeout gives it. */
    record FrameworkStored(FrameworkRecord framework) implements DurableChange {
        @Override
        public CompletableFuture<Void> writeTo(Registry registry) {
            return registry.putFramework(framework);
        }

        @Override
        public String describe() {
            return "framework " + framework.id()
                    + (framework.failoverDeadline().isPresent() ? " disconnected" : " subscribed");
        }
    }

    /**
     * Roles' weights and quota set by an operator ({@code roles}), and roles whose settings went back to the
     * defaults ({@code cleared}: weight 1, no quota), written together.
     */
    record RolesStored(List<RoleRecord> roles, List<String> cleared) implements DurableChange {
        public RolesStored {
            roles = List.copyOf(roles);
            cleared = List.copyOf(cleared);
        }

        @Override
        public CompletableFuture<Void> writeTo(Registry registry) {
            return registry.updateRoles(roles, cleared);
        }

        @Override
        public String describe() {
            return "settings of roles " + java.util.stream.Stream.concat(roles.stream().map(RoleRecord::role),
                    cleared.stream()).toList();
        }
    }

    /** A framework torn down: removed for good. */
    record FrameworkRemoved(FrameworkID frameworkId, String why) implements DurableChange {
        @Override
        public CompletableFuture<Void> writeTo(Registry registry) {
            return registry.removeFramework(frameworkId.getValue());
        }

        @Override
        public String describe() {
            return "removal of framework " + frameworkId.getValue();
        }
    }

    /** The maintenance schedule replaced, or machines brought down or up (one document holds both). */
    record MaintenanceStored(MaintenanceRecord maintenance) implements DurableChange {
        @Override
        public CompletableFuture<Void> writeTo(Registry registry) {
            return registry.putMaintenance(maintenance);
        }

        @Override
        public String describe() {
            return "maintenance schedule";
        }
    }

    /** An operator deactivated an agent, or started draining it, or it finished draining. */
    record AgentModeStored(AgentModeRecord mode) implements DurableChange {
        @Override
        public CompletableFuture<Void> writeTo(Registry registry) {
            return registry.putAgentMode(mode);
        }

        @Override
        public String describe() {
            return "agent " + mode.agentId() + (mode.drain().isPresent()
                    ? " " + mode.drain().get().getState().name().toLowerCase(java.util.Locale.ROOT)
                    : " deactivated");
        }
    }

    /** An operator reactivated an agent: it is no longer deactivated nor draining. */
    record AgentModeCleared(String agentId) implements DurableChange {
        @Override
        public CompletableFuture<Void> writeTo(Registry registry) {
            return registry.removeAgentMode(agentId);
        }

        @Override
        public String describe() {
            return "reactivation of agent " + agentId;
        }
    }

    /** An agent marked gone (its state GONE), its mode removed with it, in one write: it never comes back. */
    record AgentGone(AgentRecord agent) implements DurableChange {
        @Override
        public CompletableFuture<Void> writeTo(Registry registry) {
            return registry.markAgentGone(agent);
        }

        @Override
        public String describe() {
            return "agent " + agent.id() + " gone";
        }
    }
}
