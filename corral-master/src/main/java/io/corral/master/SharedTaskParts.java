package io.corral.master;

import io.corral.master.state.Task;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskInfo;

/**
 * Keeps one copy of what the tasks of one ACCEPT have in common. A framework packing an offer sends the same
 * resources and command for each of its tasks, and each arrives parsed into messages, strings and bytes of its own;
 * the master keeps every task's TaskInfo for as long as the task lives, so at 1,000,000 tasks those copies were a
 * fifth of its objects. A task whose resource or command equals one seen earlier in the ACCEPT is kept with that one
 * instead (equal by value: what is rendered or sent is the same), and tasks with the same resources share the set
 * they book on their agent.
 *
 * <p>Threading: one per ACCEPT, used on the master's loop only.
 */
final class SharedTaskParts {
    /**
     * Distinct resources (and, apart, commands) kept for sharing, at most: an ACCEPT of tasks alike has a handful, and
     * a hostile one of many resources whose hash codes collide (a string's are easy to make) must not make each
     * lookup a long walk on the master's loop. Past it, a part not kept yet stays the task's own.
     */
    static final int MAX_KEPT = 256;

    private final Map<Resource, Resource> resources = new HashMap<>();
    private final Map<CommandInfo, CommandInfo> commands = new HashMap<>();
    private final Map<List<Resource>, ResourceSet> booked = new HashMap<>();

    /** {@code task}, or an equal one whose resources and command are the first equal ones this ACCEPT had. */
    TaskInfo share(TaskInfo task) {
        List<Resource> kept = new ArrayList<>(task.getResourcesCount());
        boolean replaced = false;
        for (Resource resource : task.getResourcesList()) {
            Resource first = firstOf(resources, resource);
            kept.add(first != null ? first : resource);
            replaced |= first != null && first != resource;
        }
        CommandInfo command = task.hasCommand() ? firstOf(commands, task.getCommand()) : null;
        boolean commandReplaced = command != null && command != task.getCommand();
        if (!replaced && !commandReplaced) {
            return task;
        }
        TaskInfo.Builder shared = task.toBuilder();
        if (replaced) {
            shared.clearResources().addAllResources(kept);
        }
        if (commandReplaced) {
            shared.setCommand(command);
        }
        return shared.buildPartial(); // as the task came: what it lacks is refused by the checks, not by building
    }

    /**
     * {@link Task#bookedResources} of a task of this ACCEPT: one set for the tasks whose resources are the same
     * (immutable, so the tasks may share it), made once for what they take from the offers and what they book.
     */
    ResourceSet bookedResources(TaskInfo task) {
        List<Resource> resources = task.getResourcesList();
        ResourceSet known = booked.get(resources);
        if (known != null) {
            return known;
        }
        ResourceSet made = Task.bookedResources(task);
        if (booked.size() < MAX_KEPT) {
            booked.put(resources, made);
        }
        return made;
    }

    /** The first part equal to {@code part} kept before, or null (then {@code part} is kept, while there is room). */
    private static <T> T firstOf(Map<T, T> kept, T part) {
        return kept.size() < MAX_KEPT ? kept.putIfAbsent(part, part) : kept.get(part);
    }
}
