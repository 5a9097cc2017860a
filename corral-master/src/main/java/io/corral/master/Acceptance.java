package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.Offer;
import io.corral.master.state.Task;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceOperations;
import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.resources.Reservations;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.OperationState;
import org.apache.mesos.v1.Protos.OperationStatus;
import org.apache.mesos.v1.Protos.Offer.Operation;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ACCEPT, from valid offers to launched tasks: the operations are applied in order to the offers' resources
 * (the <em>pool</em>), as Mesos does.
 *
 * <ol>
 *   <li>Decide: RESERVE, UNRESERVE, CREATE and DESTROY change the pool ({@link ResourceOperations}); an invalid one
 *       is dropped with OPERATION_ERROR (when it has an id) and the rest go on. LAUNCH validates each task (and its
 *       executor, {@link ExecutorValidation}) against the pool as it is at that point and takes its resources, and
 *       its executor's when the executor starts with it; an invalid task gets TASK_ERROR. LAUNCH_GROUP does the same
 *       for a group of tasks under one executor, all or none.</li>
 *   <li>Record: when the reservations or volumes of the agent changed, the agent's new list is committed to the
 *       registry ({@link AgentWrites}, so it is decided from the agent's state at its turn). Until ZooKeeper
 *       confirms, the offers' resources stay booked on the agent as offered, so nobody else is offered them.</li>
 *   <li>Apply and effects: the agent's total changes, the tasks are launched, each operation with an id gets
 *       OPERATION_FINISHED, the agent is told its reservations and volumes, and what the ACCEPT left unused is
 *       declined. A refused write changes nothing: its operations get OPERATION_FAILED, its tasks TASK_DROPPED
 *       (TASK_LOST for frameworks that are not partition-aware), and the resources go back.</li>
 * </ol>
 *
 * <p>Threading: created and run on the master's event loop.
 */
final class Acceptance {
    private static final Logger LOG = LoggerFactory.getLogger(Acceptance.class);

    private final Master master;
    private final Framework framework;
    private final Agent agent;
    private final List<Offer> offers;
    private final List<Operation> operations;
    private final Duration refuse;
    private final String role;
    private ResourceSet pool = ResourceSet.empty();
    private final List<Launch> launches = new ArrayList<>();
    /** Executors this ACCEPT starts, by id: a later task may run on one, and must describe it alike. */
    private final Map<ExecutorID, ExecutorInfo> starting = new HashMap<>();
    /** What the launches take from the pool: still the agent's, in the form the operations gave them. */
    private ResourceSet launching = ResourceSet.empty();
    /** Operations with an id that changed the pool: they finish when it is recorded. */
    private final List<Operation> applied = new ArrayList<>();
    /** The tasks' resources and commands, one copy of each that they share. */
    private final SharedTaskParts sharedParts = new SharedTaskParts();
    private boolean checkpointChanged;
    /** The operations were applied to the pool (at the agent's turn); false when refused before that. */
    private boolean decided;

    /**
     * Tasks launched together: one (LAUNCH) or a group (LAUNCH_GROUP), with their executor (null for a command task)
     * and whether it starts with them (its resources are charged then, once).
     */
    private record Launch(List<TaskInfo> tasks, ExecutorInfo executor, boolean startsExecutor, boolean group) { }

    /** {@code offers} are valid, all of {@code agent}, owned by {@code framework}, and off the table already. */
    Acceptance(Master master, Framework framework, Agent agent, List<Offer> offers, List<Operation> operations,
               Duration refuse) {
        this.master = master;
        this.framework = framework;
        this.agent = agent;
        this.offers = offers;
        this.operations = operations;
        this.refuse = refuse;
        this.role = offers.get(0).role();
        for (Offer offer : offers) {
            pool = pool.plus(offer.resources());
        }
    }

    /** True when some operation may change the agent's reservations or volumes, which must be recorded first. */
    static boolean changesCheckpoint(List<Operation> operations) {
        return operations.stream().anyMatch(op -> switch (op.getType()) {
            case RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME, SHRINK_VOLUME -> true;
            default -> false;
        });
    }

    /** Carries out the ACCEPT; the offers' resources stay booked on the agent until it is done. */
    void run() {
        if (!changesCheckpoint(operations)) {
            decide();
            finish();
            return;
        }
        master.agentWrites().commit(agent.id(), this::decideAndRecord, this::finish)
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        refused(failure);
                    }
                });
    }

    /** At the agent's turn: the operations against the pool, and the agent's new reservations if they changed. */
    private DurableChange decideAndRecord() {
        if (master.agents().get(agent.id()) != agent || master.agentModes().isGone(agent.id())) {
            throw Rejected.conflict("Agent " + agent.id().getValue()
                    + " was removed meanwhile");
        }
        decide();
        if (!checkpointChanged) {
            return null;
        }
        ResourceSet total = agent.total().minus(offeredPool()).plus(pool).plus(launching);
        List<Resource> checkpointed = total.toList().stream().filter(Reservations::isCheckpointed).toList();
        Instant now = Instant.ofEpochMilli(master.timers().nowMillis());
        return new DurableChange.CheckpointedResourcesStored(new AgentRecord(agent.info(), AgentState.active(),
                Instant.ofEpochMilli(agent.registeredMillis()), now, checkpointed));
    }

    private ResourceSet offeredPool() {
        ResourceSet offered = ResourceSet.empty();
        for (Offer offer : offers) {
            offered = offered.plus(offer.resources());
        }
        return offered;
    }

    private void decide() {
        decided = true;
        Set<String> launchedIds = new HashSet<>();
        for (Operation operation : operations) {
            switch (operation.getType()) {
                case LAUNCH -> operation.getLaunch().getTaskInfosList().forEach(task -> plan(task, launchedIds));
                case RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME, SHRINK_VOLUME -> change(operation);
                case LAUNCH_GROUP -> planGroup(operation.getLaunchGroup(), launchedIds);
                default -> operationError(operation, "Offer operation " + operation.getType()
                        + " is not supported by this master");
            }
        }
    }

    /** Applies one resource operation to the pool; an invalid one changes nothing and is answered. */
    private void change(Operation operation) {
        ResourceOperations.Context context = new ResourceOperations.Context(role,
                framework.info().hasPrincipal() ? framework.info().getPrincipal() : null, agent.total(),
                ReservationCalls.volumesInUse(agent));
        try {
            pool = switch (operation.getType()) {
                case RESERVE -> ResourceOperations.reserve(pool, operation.getReserve().getSourceList(),
                        operation.getReserve().getResourcesList(), context);
                case UNRESERVE -> ResourceOperations.unreserve(pool, operation.getUnreserve().getResourcesList(),
                        context);
                case CREATE -> ResourceOperations.create(pool, operation.getCreate().getVolumesList(), context);
                case DESTROY -> ResourceOperations.destroy(pool, operation.getDestroy().getVolumesList(), context);
                case GROW_VOLUME -> ResourceOperations.grow(pool, operation.getGrowVolume().getVolume(),
                        operation.getGrowVolume().getAddition(), context);
                case SHRINK_VOLUME -> ResourceOperations.shrink(pool, operation.getShrinkVolume().getVolume(),
                        operation.getShrinkVolume().getSubtract().getValue(), context);
                default -> throw new IllegalStateException("not a resource operation: " + operation.getType());
            };
            checkpointChanged = true;
            if (operation.hasId()) {
                applied.add(operation);
            }
        } catch (IllegalArgumentException invalid) {
            operationError(operation, invalid.getMessage());
        }
    }

    /**
     * Validates a task against the pool as it is now and takes its resources, or answers TASK_ERROR. Resources that
     * do not say which role they are allocated to get the offers' role, as Mesos injects it, so the task's role is
     * known wherever its resources are counted.
     */
    private void plan(TaskInfo requested, Set<String> launchedIds) {
        List<Resource> resources = new ArrayList<>(requested.getResourcesList());
        resources.addAll(requested.getExecutor().getResourcesList()); // none without an executor
        String otherRole = resources.stream().filter(Resource::hasAllocationInfo)
                .map(r -> r.getAllocationInfo().getRole()).filter(r -> !r.equals(role)).findFirst().orElse(null);
        if (otherRole != null) {
            taskError(requested, "Task uses resources allocated to role '" + otherRole + "', not to the offers' role '"
                    + role + "'");
            return;
        }
        TaskInfo task = sharedParts.share(TaskValidation.allocated(requested, role, framework.id()));
        String deniedUser = deniedUser(task);
        if (deniedUser != null) {
            unauthorized(task, deniedUser);
            return;
        }
        String error = TaskValidation.task(task, framework, agent.id(), launchedIds);
        if (error == null && task.hasCommand() == task.hasExecutor()) {
            error = "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present";
        }
        ExecutorInfo executor = task.hasExecutor() ? task.getExecutor() : null;
        if (error == null && executor != null) {
            error = ExecutorValidation.forLaunch(executor, framework.id(), existing(executor));
        }
        boolean startsExecutor = executor != null && existing(executor) == null;
        ResourceSet taken = null;
        if (error == null) {
            try {
                taken = taken(List.of(task), startsExecutor ? executor : null);
            } catch (IllegalArgumentException e) { // e.g. more than 1e12 of a kind together
                error = "Task and its executor use invalid resources: " + e.getMessage();
            }
        }
        if (error == null && !pool.contains(taken)) {
            error = executor == null ? "Task uses more resources " + taken + " than available " + pool
                    : "Total resources " + taken + " required by task and its executor is more than available " + pool;
        }
        if (error != null) {
            taskError(task, error);
            return;
        }
        take(new Launch(List.of(task), executor, startsExecutor, false), taken, launchedIds);
    }

    /**
     * LAUNCH_GROUP: its tasks start, live and die together under its executor, so they are validated together and
     * all refused (TASK_ERROR, with the same message) if any part is invalid, as Mesos delivers a group atomically.
     * Each task gets the group's executor in its TaskInfo, as Mesos's master sets it.
     */
    private void planGroup(Operation.LaunchGroup group, Set<String> launchedIds) {
        ExecutorInfo executor = TaskValidation.allocated(group.getExecutor(), role, framework.id());
        List<TaskInfo> original = group.getTaskGroup().getTasksList();
        List<TaskInfo> tasks = original.stream().map(task -> TaskValidation.allocated(task.hasExecutor() ? task
                : task.toBuilder().setExecutor(executor).buildPartial(), role, framework.id())).toList();
        String deniedUser = tasks.stream().map(this::deniedUser).filter(java.util.Objects::nonNull).findFirst()
                .orElse(null);
        if (deniedUser != null) { // the group goes or stays as one
            tasks.forEach(task -> unauthorized(task, deniedUser));
            return;
        }
        String error = group.hasExecutor() ? groupError(executor, original, tasks, launchedIds)
                : "Expecting 'launch_group.executor' to be present";
        boolean startsExecutor = existing(executor) == null;
        ResourceSet taken = null;
        if (error == null) {
            try {
                taken = taken(tasks, startsExecutor ? executor : null);
            } catch (IllegalArgumentException e) { // e.g. more than 1e12 of a kind together
                error = "Task group and its executor use invalid resources: " + e.getMessage();
            }
        }
        if (error == null && !pool.contains(taken)) {
            error = "Total resources " + taken + " required by task group and its executor are more than available "
                    + pool;
        }
        if (error != null) {
            for (TaskInfo task : tasks) {
                taskError(task, error);
            }
            return;
        }
        take(new Launch(tasks, executor, startsExecutor, true), taken, launchedIds);
    }

    private String groupError(ExecutorInfo executor, List<TaskInfo> original, List<TaskInfo> tasks,
                              Set<String> launchedIds) {
        if (tasks.isEmpty()) {
            return "Task group is empty";
        }
        Set<String> inGroup = new HashSet<>(launchedIds);
        for (TaskInfo task : tasks) {
            String error = TaskValidation.task(task, framework, agent.id(), inGroup);
            if (error != null) {
                return "Task '" + task.getTaskId().getValue() + "' is invalid: " + error;
            }
            inGroup.add(task.getTaskId().getValue());
        }
        return ExecutorValidation.forGroup(executor, framework.id(), existing(executor), original);
    }

    /** The executor with this id running on the agent or started by this ACCEPT, or null. */
    private ExecutorInfo existing(ExecutorInfo executor) {
        ExecutorInfo started = starting.get(executor.getExecutorId());
        return started != null ? started : master.executors().running(agent, framework.id(), executor.getExecutorId());
    }

    /** What {@code tasks} (and {@code startingExecutor}, when they start it) take from the pool. */
    private ResourceSet taken(List<TaskInfo> tasks, ExecutorInfo startingExecutor) {
        ResourceSet taken = ResourceSet.empty();
        for (TaskInfo task : tasks) {
            taken = taken.plus(sharedParts.bookedResources(task)); // made once for the ACCEPT's tasks alike
        }
        return startingExecutor == null ? taken
                : taken.plus(ResourceSet.of(startingExecutor.getResourcesList()).withoutAllocationInfo());
    }

    private void take(Launch launch, ResourceSet taken, Set<String> launchedIds) {
        launch.tasks().forEach(task -> launchedIds.add(task.getTaskId().getValue()));
        if (launch.startsExecutor()) {
            starting.put(launch.executor().getExecutorId(), launch.executor());
        }
        launches.add(launch);
        pool = pool.minus(taken);
        launching = launching.plus(taken);
    }

    /** The decision is applied (recorded first when it had to be): launch, report, give back what is unused. */
    private void finish() {
        releaseOffers();
        for (Launch launch : launches) {
            launch(launch);
        }
        for (Operation operation : applied) {
            report(operation, OperationState.OPERATION_FINISHED, null);
        }
        if (checkpointChanged && agent.isConnected()) {
            master.outbox().toAgent(agent.id(), AgentEvent.checkpointResources(agent.checkpointed()));
        }
        releaseUnused();
    }

    private void launch(Launch launch) {
        if (launch.startsExecutor()) {
            master.executors().started(framework, agent, launch.executor(), role);
        }
        for (TaskInfo task : launch.tasks()) {
            Task launched = new Task(task, framework.id(), TaskState.TASK_STAGING, sharedParts.bookedResources(task));
            launched.apply(master.tasks().masterStatus(task.getTaskId(), agent.id(), TaskState.TASK_STAGING, null,
                    null));
            master.tasks().addTask(framework, agent, launched);
            master.operatorStreams.publish(() -> OperatorEvents.taskAdded(launched, framework.info()));
        }
        if (!agent.isConnected()) {
            return;
        }
        if (launch.group()) {
            master.outbox().toAgent(agent.id(), AgentEvent.launchGroup(framework.info(), launch.executor(),
                    launch.tasks()));
        } else {
            master.outbox().toAgent(agent.id(), AgentEvent.launch(framework.info(), launch.tasks().get(0)));
        }
    }

    /** The registry refused the new reservations: nothing changed, and everything the ACCEPT asked for fails. */
    private void refused(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        // The registry's refusal already says whether a retry can help (Master.commit).
        String why = !decided || cause instanceof Rejected ? cause.getMessage()
                : "Master could not record the agent's reservations and volumes (" + cause.getMessage() + "); retry";
        releaseOffers();
        pool = offeredPool();
        if (!decided) { // refused before its turn came (the agent went away): nothing was tried
            for (Operation operation : operations) {
                if (changesCheckpoint(List.of(operation))) {
                    applied.add(operation);
                } else if (operation.getType() == Operation.Type.LAUNCH) {
                    operation.getLaunch().getTaskInfosList().forEach(task ->
                            launches.add(new Launch(List.of(task), null, false, false)));
                } else if (operation.getType() == Operation.Type.LAUNCH_GROUP) {
                    launches.add(new Launch(operation.getLaunchGroup().getTaskGroup().getTasksList(), null, false,
                            true));
                }
            }
        }
        for (Operation operation : applied) {
            report(operation, OperationState.OPERATION_FAILED, why);
        }
        TaskState state = framework.isPartitionAware() ? TaskState.TASK_DROPPED : TaskState.TASK_LOST;
        for (Launch launch : launches) {
            for (TaskInfo task : launch.tasks()) {
                master.tasks().forwardUpdate(framework, master.tasks().masterStatus(task.getTaskId(), agent.id(),
                        state, TaskStatus.Reason.REASON_INVALID_OFFERS, why));
            }
        }
        releaseUnused();
    }

    /** The accepted offers' resources were booked on the agent as offered until now. */
    private void releaseOffers() {
        for (Offer offer : offers) {
            agent.removeOffer(offer);
        }
    }

    /** What no operation used goes back to the agent, declined for the ACCEPT's refuse_seconds. */
    private void releaseUnused() {
        if (pool.isEmpty() || master.agents().get(agent.id()) != agent) {
            master.offers.allocateSoon(agent.id());
            return;
        }
        // Re-enter through an offer so one code path returns resources and installs the decline filter.
        Offer leftover = new Offer(org.apache.mesos.v1.Protos.Offer.newBuilder()
                .setId(OfferID.newBuilder().setValue("unused"))
                .setFrameworkId(framework.id())
                .setAgentId(agent.id())
                .setHostname(agent.info().getHostname())
                .build(), pool, role);
        agent.addOffer(leftover);
        master.offers.remove(leftover, false, refuse);
    }

    /**
     * ACL run_tasks, as Mesos's master authorizes each task: the user the task would run as (its command's user, its
     * executor's, else the framework's) if the framework's principal may not run tasks as that user, else null.
     */
    private String deniedUser(TaskInfo task) {
        String user = TaskUser.of(task, framework.info());
        String principal = framework.info().hasPrincipal() ? framework.info().getPrincipal() : null;
        return master.acls().permits("run_tasks", principal, user) ? null : user;
    }

    private void unauthorized(TaskInfo task, String user) {
        master.tasks().forwardUpdate(framework, master.tasks().masterStatus(task.getTaskId(), task.getAgentId(),
                TaskState.TASK_ERROR, TaskStatus.Reason.REASON_TASK_UNAUTHORIZED,
                "Not authorized to launch task as user '" + user + "' (ACL run_tasks)"));
    }

    private void taskError(TaskInfo task, String message) {
        master.tasks().forwardUpdate(framework, master.tasks().masterStatus(task.getTaskId(), task.getAgentId(),
                TaskState.TASK_ERROR, TaskStatus.Reason.REASON_TASK_INVALID, message));
    }

    private void operationError(Operation operation, String message) {
        LOG.info("Framework {}: {} operation dropped: {}", framework.id().getValue(), operation.getType(), message);
        report(operation, OperationState.OPERATION_ERROR, message);
    }

    /** UPDATE_OPERATION_STATUS for an operation that asked for feedback; master-made, so no uuid to acknowledge. */
    private void report(Operation operation, OperationState state, String message) {
        if (!operation.hasId()) {
            return;
        }
        OperationStatus.Builder status = OperationStatus.newBuilder()
                .setOperationId(operation.getId())
                .setState(state)
                .setAgentId(agent.id());
        if (message != null) {
            status.setMessage(message);
        }
        framework.recordOperation(status.build());
        if (framework.isConnected()) {
            master.outbox().toFramework(framework.id(), Event.newBuilder().setType(Event.Type.UPDATE_OPERATION_STATUS)
                    .setUpdateOperationStatus(Event.UpdateOperationStatus.newBuilder().setStatus(status))
                    .build());
        }
    }
}
