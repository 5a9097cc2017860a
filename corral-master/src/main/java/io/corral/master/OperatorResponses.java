package io.corral.master;

import io.corral.master.state.AgentView;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.TaskView;
import io.corral.protocol.resources.ResourceSet;
import io.corral.zookeeper.registry.RoleRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.TimeInfo;
import org.apache.mesos.v1.master.Protos.Response;

/**
 * The operator API's answers ({@code POST /api/v1}, {@code docs/mesos-compatibility.md}, "Operator API"), built from
 * a published {@link MasterView}: pure functions, no I/O. Every field older clients require (proto2 {@code required})
 * is filled.
 *
 * <p>Stateless and thread-safe: runs on a reader thread, and on the master's loop for the operator event stream.
 */
public final class OperatorResponses {
    private OperatorResponses() {}

    public static Response health() {
        return Response.newBuilder().setType(Response.Type.GET_HEALTH)
                .setGetHealth(Response.GetHealth.newBuilder().setHealthy(true)).build();
    }

    public static Response flags(Map<String, String> flags) {
        Response.GetFlags.Builder get = Response.GetFlags.newBuilder();
        new TreeMap<>(flags).forEach((name, value) -> get.addFlags(Protos.Flag.newBuilder().setName(name)
                .setValue(value)));
        return Response.newBuilder().setType(Response.Type.GET_FLAGS).setGetFlags(get).build();
    }

    public static Response version(Protos.VersionInfo version) {
        return Response.newBuilder().setType(Response.Type.GET_VERSION)
                .setGetVersion(Response.GetVersion.newBuilder().setVersionInfo(version)).build();
    }

    public static Response metrics(Map<String, Number> snapshot) {
        Response.GetMetrics.Builder get = Response.GetMetrics.newBuilder();
        new TreeMap<>(snapshot).forEach((name, value) -> get.addMetrics(Protos.Metric.newBuilder().setName(name)
                .setValue(value.doubleValue())));
        return Response.newBuilder().setType(Response.Type.GET_METRICS).setGetMetrics(get).build();
    }

    /** GET_LOGGING_LEVEL: Mesos's verbosity ({@link LoggingLevels}). */
    public static Response loggingLevel(int verbosity) {
        return Response.newBuilder().setType(Response.Type.GET_LOGGING_LEVEL)
                .setGetLoggingLevel(Response.GetLoggingLevel.newBuilder().setLevel(verbosity)).build();
    }

    public static Response state(MasterView view) {
        return Response.newBuilder().setType(Response.Type.GET_STATE)
                .setGetState(Response.GetState.newBuilder()
                        .setGetTasks(getTasks(view))
                        .setGetExecutors(getExecutors(view))
                        .setGetFrameworks(getFrameworks(view))
                        .setGetAgents(getAgents(view)))
                .build();
    }

    public static Response agents(MasterView view) {
        return Response.newBuilder().setType(Response.Type.GET_AGENTS).setGetAgents(getAgents(view)).build();
    }

    public static Response frameworks(MasterView view) {
        return Response.newBuilder().setType(Response.Type.GET_FRAMEWORKS).setGetFrameworks(getFrameworks(view))
                .build();
    }

    public static Response tasks(MasterView view) {
        return Response.newBuilder().setType(Response.Type.GET_TASKS).setGetTasks(getTasks(view)).build();
    }

    public static Response executors(MasterView view) {
        return Response.newBuilder().setType(Response.Type.GET_EXECUTORS).setGetExecutors(getExecutors(view))
                .build();
    }

    /** The executors (CUSTOM and DEFAULT; command tasks have none of their own) of every live framework. */
    public static Response.GetExecutors getExecutors(MasterView view) {
        Response.GetExecutors.Builder executors = Response.GetExecutors.newBuilder();
        for (FrameworkView framework : view.frameworks()) {
            for (io.corral.master.state.Executor executor : framework.executors()) {
                executors.addExecutors(Response.GetExecutors.Executor.newBuilder()
                        .setExecutorInfo(executor.info()).setAgentId(executor.agentId()));
            }
        }
        return executors.build();
    }

    /**
     * Every role a framework is subscribed in or an operator gave a weight or quota, with its weight and what its
     * frameworks use.
     */
    public static Response roles(MasterView view) {
        return roles(view, ViewApprover.all());
    }

    /**
     * GET_ROLES for a reader who sees only some roles ({@code view_roles}): the others are left out. A role shown
     * lists all its frameworks and what they use, as Mesos shows it.
     */
    public static Response roles(MasterView view, ViewApprover approver) {
        Map<String, Protos.Role.Builder> roles = new LinkedHashMap<>();
        Map<String, ResourceSet> allocated = new LinkedHashMap<>();
        for (RoleRecord set : view.roles()) {
            if (!approver.role(set.role())) {
                continue;
            }
            roles.put(set.role(), Protos.Role.newBuilder().setName(set.role()).setWeight(set.weight()));
            allocated.put(set.role(), ResourceSet.empty());
        }
        for (FrameworkView framework : view.frameworks()) {
            if (!approver.role(framework.role())) {
                continue;
            }
            Protos.Role.Builder role = roles.computeIfAbsent(framework.role(),
                    name -> Protos.Role.newBuilder().setName(name).setWeight(1.0));
            role.addFrameworks(framework.id());
            allocated.merge(framework.role(), framework.allocated(), ResourceSet::plus);
        }
        Response.GetRoles.Builder get = Response.GetRoles.newBuilder();
        new TreeMap<>(roles).forEach((name, role) -> get.addRoles(role.addAllResources(allocated.get(name).toList())));
        return Response.newBuilder().setType(Response.Type.GET_ROLES).setGetRoles(get).build();
    }

    /** The weights operators set (a role not listed has weight 1). */
    public static Response weights(MasterView view) {
        return weights(view, ViewApprover.all());
    }

    /** GET_WEIGHTS of the roles the reader may see ({@code view_roles}), as Mesos filters it. */
    public static Response weights(MasterView view, ViewApprover approver) {
        Response.GetWeights.Builder get = Response.GetWeights.newBuilder();
        for (RoleRecord role : view.roles()) {
            if (role.weight() != 1.0 && approver.role(role.role())) {
                get.addWeightInfos(Protos.WeightInfo.newBuilder().setRole(role.role()).setWeight(role.weight()));
            }
        }
        return Response.newBuilder().setType(Response.Type.GET_WEIGHTS).setGetWeights(get).build();
    }

    public static Response master(MasterView view) {
        double started = view.startMillis() / 1000.0;
        return Response.newBuilder().setType(Response.Type.GET_MASTER)
                .setGetMaster(Response.GetMaster.newBuilder().setMasterInfo(view.info()).setStartTime(started)
                        .setElectedTime(started))
                .build();
    }

    /**
     * The quota operators set: each role's config (guarantees and limits), and, for clients from before Mesos 1.9,
     * the same guarantees as the deprecated {@code infos}.
     */
    public static Response quota(MasterView view) {
        return quota(view, ViewApprover.all());
    }

    /** GET_QUOTA of the roles whose quota the reader may see ({@code get_quotas}), as Mesos filters it. */
    public static Response quota(MasterView view, ViewApprover approver) {
        org.apache.mesos.v1.quota.Protos.QuotaStatus.Builder status =
                org.apache.mesos.v1.quota.Protos.QuotaStatus.newBuilder();
        for (RoleRecord role : view.roles()) {
            if (!approver.quota(role.role())) {
                continue;
            }
            role.quota().ifPresent(config -> {
                status.addConfigs(config.toBuilder().setRole(role.role()));
                status.addInfos(org.apache.mesos.v1.quota.Protos.QuotaInfo.newBuilder().setRole(role.role())
                        .addAllGuarantee(RoleSettings.policy(role).guarantees().toList()));
            });
        }
        return Response.newBuilder().setType(Response.Type.GET_QUOTA)
                .setGetQuota(Response.GetQuota.newBuilder().setStatus(status)).build();
    }

    /** The machines draining (with the frameworks' answers to their inverse offers) and down. */
    public static Response maintenanceStatus(MasterView view) {
        return Response.newBuilder().setType(Response.Type.GET_MAINTENANCE_STATUS)
                .setGetMaintenanceStatus(Response.GetMaintenanceStatus.newBuilder()
                        .setStatus(view.maintenance().status()))
                .build();
    }

    public static Response maintenanceSchedule(MasterView view) {
        return Response.newBuilder().setType(Response.Type.GET_MAINTENANCE_SCHEDULE)
                .setGetMaintenanceSchedule(Response.GetMaintenanceSchedule.newBuilder()
                        .setSchedule(view.maintenance().schedule()))
                .build();
    }

    public static Response.GetAgents getAgents(MasterView view) {
        Response.GetAgents.Builder get = Response.GetAgents.newBuilder();
        for (AgentView agent : view.agents()) {
            get.addAgents(agent(agent));
        }
        return get.build();
    }

    public static Response.GetAgents.Agent agent(AgentView agent) {
        Response.GetAgents.Agent.Builder proto = Response.GetAgents.Agent.newBuilder()
                .setAgentInfo(agent.info())
                .setActive(agent.connected() && !agent.deactivated())
                .setDeactivated(agent.deactivated())
                .setVersion(MasterServer.MESOS_VERSION)
                .setPid("slave(1)@" + agent.info().getHostname() + ":" + agent.info().getPort())
                .setRegisteredTime(time(agent.registeredMillis()))
                .addAllTotalResources(agent.total().toList())
                .addAllAllocatedResources(agent.used().toList())
                .addAllOfferedResources(agent.offered().toList());
        agent.drain().ifPresent(proto::setDrainInfo);
        return proto.build();
    }

    public static Response.GetFrameworks getFrameworks(MasterView view) {
        Response.GetFrameworks.Builder get = Response.GetFrameworks.newBuilder();
        for (FrameworkView framework : view.frameworks()) {
            get.addFrameworks(framework(framework, framework.connected()));
        }
        for (FrameworkView framework : view.completedFrameworks()) {
            get.addCompletedFrameworks(framework(framework, false));
        }
        return get.build();
    }

    public static Response.GetFrameworks.Framework framework(FrameworkView framework, boolean active) {
        ResourceSet offered = ResourceSet.empty();
        for (Protos.Offer offer : framework.offers()) {
            offered = offered.plusAtMost(ResourceSet.of(offer.getResourcesList())); // may pass 1e12
        }
        return Response.GetFrameworks.Framework.newBuilder()
                .setFrameworkInfo(framework.info())
                .setActive(active)
                .setConnected(framework.connected())
                .setRecovered(false)
                .setRegisteredTime(time(framework.registeredMillis()))
                .addAllOffers(framework.offers())
                .addAllAllocatedResources(framework.allocated().toList())
                .addAllOfferedResources(offered.toList())
                .build();
    }

    /** The list of GET_TASKS a task is in. */
    public enum TaskList { TASKS, UNREACHABLE_TASKS, COMPLETED_TASKS }

    /**
     * Live tasks in {@code tasks}, those on unreachable agents in {@code unreachable_tasks}, ended ones (awaiting
     * acknowledgement, or completed) in {@code completed_tasks}.
     */
    public static Response.GetTasks getTasks(MasterView view) {
        Response.GetTasks.Builder get = Response.GetTasks.newBuilder();
        forEachTask(view, (task, list) -> {
            switch (list) {
                case TASKS -> get.addTasks(task(task));
                case UNREACHABLE_TASKS -> get.addUnreachableTasks(task(task));
                case COMPLETED_TASKS -> get.addCompletedTasks(task(task));
            }
        });
        return get.build();
    }

    /** Every task of {@code view}, in GET_TASKS' order, with the list it is in there. */
    public static void forEachTask(MasterView view, java.util.function.BiConsumer<TaskView, TaskList> visit) {
        for (FrameworkView framework : view.frameworks()) {
            for (TaskView task : framework.tasks()) {
                visit.accept(task, task.isTerminal() ? TaskList.COMPLETED_TASKS
                        : task.state() == TaskState.TASK_UNREACHABLE ? TaskList.UNREACHABLE_TASKS : TaskList.TASKS);
            }
            framework.completedTasks().forEach(task -> visit.accept(task, TaskList.COMPLETED_TASKS));
        }
        for (FrameworkView framework : view.completedFrameworks()) {
            framework.completedTasks().forEach(task -> visit.accept(task, TaskList.COMPLETED_TASKS));
        }
    }

    public static Protos.Task task(TaskView task) {
        Protos.TaskInfo info = task.info();
        Protos.Task.Builder proto = Protos.Task.newBuilder()
                .setName(info.getName())
                .setTaskId(info.getTaskId())
                .setFrameworkId(task.frameworkId())
                .setAgentId(info.getAgentId())
                .setState(task.state())
                .addAllResources(info.getResourcesList())
                .addAllStatuses(task.statuses());
        if (!task.statuses().isEmpty()) {
            TaskStatus latest = task.statuses().get(task.statuses().size() - 1);
            proto.setStatusUpdateState(latest.getState());
            if (latest.hasUuid()) {
                proto.setStatusUpdateUuid(latest.getUuid());
            }
        }
        if (task.executorId() != null) {
            proto.setExecutorId(task.executorId());
        }
        if (info.hasLabels()) {
            proto.setLabels(info.getLabels());
        }
        if (info.hasDiscovery()) {
            proto.setDiscovery(info.getDiscovery());
        }
        if (info.hasContainer()) {
            proto.setContainer(info.getContainer());
        }
        if (info.hasHealthCheck()) {
            proto.setHealthCheck(info.getHealthCheck());
        }
        if (info.hasKillPolicy()) {
            proto.setKillPolicy(info.getKillPolicy());
        }
        if (info.hasCommand() && info.getCommand().hasUser()) {
            proto.setUser(info.getCommand().getUser());
        } else if (info.hasExecutor() && info.getExecutor().getCommand().hasUser()) {
            proto.setUser(info.getExecutor().getCommand().getUser()); // as Mesos fills Task.user
        }
        return proto.build();
    }

    private static TimeInfo time(long millis) {
        return TimeInfo.newBuilder().setNanoseconds(millis * 1_000_000L).build();
    }
}
