package io.corral.agent.http;

import io.corral.agent.AgentView;
import io.corral.agent.AgentView.ExecutorView;
import io.corral.agent.AgentView.TaskView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * The agent's metrics under Mesos's names ({@code slave/...}), as {@code /metrics/snapshot} and {@code GET_METRICS}
 * serve them: a pure function of a published {@link AgentView} and the time.
 *
 * <ul>
 *   <li>Gauges of what runs now: {@code slave/tasks_staging}, {@code tasks_starting}, {@code tasks_running},
 *       {@code tasks_killing}, {@code executors_registering} (custom executors not subscribed yet, i.e. with queued
 *       tasks), {@code executors_running}, {@code frameworks_active}, {@code registered}, {@code uptime_secs}.</li>
 *   <li>Counters since the agent started: {@code slave/tasks_finished}, {@code tasks_failed}, {@code tasks_killed},
 *       {@code tasks_lost}, {@code tasks_gone} (Mesos's four plus gone), counted when the update is queued.</li>
 *   <li>Resources: {@code slave/<r>_total}, {@code <r>_used} (what live tasks and executors were given, as Mesos
 *       counts it, not what they consume: {@code /monitor/statistics} has that) and {@code <r>_percent} (a fraction
 *       between 0 and 1), for cpus, mem, disk and gpus.</li>
 * </ul>
 *
 * <p>Stateless; thread-safe.
 */
public final class AgentMetrics {
    private static final List<String> RESOURCES = List.of("cpus", "mem", "disk", "gpus");

    private AgentMetrics() {
    }

    /** Every metric, sorted by name. */
    public static Map<String, Number> snapshot(AgentView view, long nowMillis) {
        Map<String, Number> metrics = new TreeMap<>();
        metrics.put("slave/uptime_secs", Math.max(0, nowMillis - view.startMillis()) / 1000.0);
        metrics.put("slave/registered", view.registered() ? 1 : 0);
        metrics.put("slave/frameworks_active", view.frameworks().size());

        int staging = 0;
        int starting = 0;
        int running = 0;
        int killing = 0;
        int executorsRunning = 0;
        int executorsRegistering = 0;
        List<Resource> used = new ArrayList<>();
        for (ExecutorView executor : view.executors()) {
            if (executor.isRunning()) {
                executorsRunning++;
            }
            if (!executor.commandTask() && executor.launcherPid() >= 0 && executor.tasks().stream()
                    .anyMatch(task -> task.state() == TaskState.TASK_STAGING)) {
                executorsRegistering++;
            }
            if (!executor.commandTask() && executor.isRunning()) {
                used.addAll(executor.resources());
            }
            for (TaskView task : executor.tasks()) {
                switch (task.state()) {
                    case TASK_STAGING -> staging++;
                    case TASK_STARTING -> starting++;
                    case TASK_RUNNING -> running++;
                    case TASK_KILLING -> killing++;
                    default -> { }
                }
                if (!task.isTerminal()) {
                    used.addAll(task.task().getResourcesList());
                }
            }
        }
        metrics.put("slave/tasks_staging", staging);
        metrics.put("slave/tasks_starting", starting);
        metrics.put("slave/tasks_running", running);
        metrics.put("slave/tasks_killing", killing);
        metrics.put("slave/tasks_finished", count(view, TaskState.TASK_FINISHED));
        metrics.put("slave/tasks_failed", count(view, TaskState.TASK_FAILED));
        metrics.put("slave/tasks_killed", count(view, TaskState.TASK_KILLED));
        metrics.put("slave/tasks_lost", count(view, TaskState.TASK_LOST));
        metrics.put("slave/tasks_gone", count(view, TaskState.TASK_GONE));
        metrics.put("slave/executors_running", executorsRunning);
        metrics.put("slave/executors_registering", executorsRegistering);

        List<Resource> total = view.info().getResourcesList();
        for (String name : RESOURCES) {
            double totalAmount = ContainerUsage.scalar(total, name);
            double usedAmount = ContainerUsage.scalar(used, name);
            metrics.put("slave/" + name + "_total", totalAmount);
            metrics.put("slave/" + name + "_used", usedAmount);
            metrics.put("slave/" + name + "_percent", totalAmount > 0 ? usedAmount / totalAmount : 0.0);
        }
        return metrics;
    }

    private static long count(AgentView view, TaskState state) {
        return view.terminalCounts().getOrDefault(state, 0L);
    }
}
