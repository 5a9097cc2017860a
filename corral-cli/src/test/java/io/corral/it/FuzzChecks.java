package io.corral.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/** The fuzz test's judges besides the HTTP answers: the master's own log, and its published state. */
final class FuzzChecks {
    private FuzzChecks() {}

    private static final Set<String> TERMINAL = Set.of("TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST",
            "TASK_ERROR", "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR");

    /**
     * What {@code GET /master/state} must always show, whatever was sent to the master: no agent over-committed
     * (used and offered resources within its total, and not overlapping), each agent's used resources equal to what
     * its live tasks and its executors use, and every task on an agent the master lists.
     *
     * @return the violations, empty when consistent
     */
    static List<String> stateViolations(JsonNode state) {
        List<String> violations = new ArrayList<>();
        Map<String, JsonNode> agents = new HashMap<>();
        for (JsonNode agent : state.path("slaves")) {
            agents.put(agent.path("id").asText(), agent);
        }
        Map<String, double[]> liveUse = new HashMap<>(); // agent id -> cpus, mem of its live tasks
        List<JsonNode> frameworks = new ArrayList<>();
        state.path("frameworks").forEach(frameworks::add);
        state.path("completed_frameworks").forEach(frameworks::add);
        for (JsonNode framework : frameworks) {
            for (String list : new String[] {"tasks", "completed_tasks"}) {
                for (JsonNode task : framework.path(list)) {
                    String agentId = task.path("slave_id").asText();
                    // A completed task may outlive its agent (marked gone, as in Mesos); a live one may not.
                    if (!agents.containsKey(agentId) && list.equals("tasks")) {
                        violations.add("task " + task.path("id").asText() + " of framework "
                                + framework.path("id").asText() + " is on agent '" + agentId
                                + "', which /master/state does not list");
                    }
                    if (!TERMINAL.contains(task.path("state").asText())) {
                        double[] use = liveUse.computeIfAbsent(agentId, k -> new double[2]);
                        use[0] += task.path("resources").path("cpus").asDouble();
                        use[1] += task.path("resources").path("mem").asDouble();
                    }
                }
            }
            for (JsonNode executor : framework.path("executors")) { // charged once each, apart from its tasks
                double[] use = liveUse.computeIfAbsent(executor.path("slave_id").asText(), k -> new double[2]);
                use[0] += executor.path("resources").path("cpus").asDouble();
                use[1] += executor.path("resources").path("mem").asDouble();
            }
        }
        for (JsonNode agent : agents.values()) {
            String id = agent.path("id").asText();
            JsonNode total = agent.path("resources");
            JsonNode used = agent.path("used_resources");
            JsonNode offered = agent.path("offered_resources");
            for (String scalar : new String[] {"cpus", "mem", "disk", "gpus"}) {
                double t = total.path(scalar).asDouble();
                double u = used.path(scalar).asDouble();
                double o = offered.path(scalar).asDouble();
                if (u < -1e-9 || o < -1e-9 || u + o > t + 1e-6) {
                    violations.add("agent " + id + " is over-committed in " + scalar + ": used " + u + " + offered "
                            + o + " > total " + t);
                }
            }
            TreeSet<Long> totalPorts = ports(total.path("ports").asText(""));
            TreeSet<Long> usedPorts = ports(used.path("ports").asText(""));
            TreeSet<Long> offeredPorts = ports(offered.path("ports").asText(""));
            if (!totalPorts.containsAll(usedPorts) || !totalPorts.containsAll(offeredPorts)) {
                violations.add("agent " + id + " uses or offers ports outside its total: used " + used.path("ports")
                        + ", offered " + offered.path("ports") + ", total " + total.path("ports"));
            }
            Set<Long> both = new HashSet<>(usedPorts);
            both.retainAll(offeredPorts);
            if (!both.isEmpty()) {
                violations.add("agent " + id + " offers ports its tasks use: " + both);
            }
            violations.addAll(reservationViolations(agent));
            double[] live = liveUse.getOrDefault(id, new double[2]);
            if (Math.abs(live[0] - used.path("cpus").asDouble()) > 1e-6
                    || Math.abs(live[1] - used.path("mem").asDouble()) > 1e-6) {
                violations.add("agent " + id + " books used cpus " + used.path("cpus") + ", mem "
                        + used.path("mem") + " but its live tasks use cpus " + live[0] + ", mem " + live[1]);
            }
        }
        return violations;
    }

    /**
     * An agent's reservations add up: what is reserved for each role plus what is unreserved is its total, and no
     * persistence id is used twice by volumes of one role (a task mounting it would get either).
     */
    static List<String> reservationViolations(JsonNode agent) {
        List<String> violations = new ArrayList<>();
        String id = agent.path("id").asText();
        for (String scalar : new String[] {"cpus", "mem", "disk", "gpus"}) {
            double sum = agent.path("unreserved_resources").path(scalar).asDouble();
            for (JsonNode reserved : agent.path("reserved_resources")) {
                sum += reserved.path(scalar).asDouble();
            }
            double total = agent.path("resources").path(scalar).asDouble();
            if (Math.abs(sum - total) > 1e-6) {
                violations.add("agent " + id + " has reserved plus unreserved " + scalar + " " + sum + ", not its"
                        + " total " + total + ": reserved " + agent.path("reserved_resources") + ", unreserved "
                        + agent.path("unreserved_resources"));
            }
        }
        for (var role : (Iterable<Map.Entry<String, JsonNode>>) agent.path("reserved_resources_full")::fields) {
            Set<String> ids = new HashSet<>();
            for (JsonNode resource : role.getValue()) {
                JsonNode persistence = resource.path("disk").path("persistence");
                if (persistence.has("id") && !ids.add(persistence.path("id").asText())) {
                    violations.add("agent " + id + " has two volumes of role '" + role.getKey() + "' with"
                            + " persistence id '" + persistence.path("id").asText() + "'");
                }
            }
        }
        return violations;
    }

    /**
     * Mesos's rule for ids that name directories and znodes ({@code common/validation.cpp}, validateID): null when
     * {@code id} is acceptable, else why not.
     */
    static String mesosIdError(String id) {
        if (id.isEmpty()) {
            return "empty";
        }
        if (id.length() > 255) {
            return "longer than 255";
        }
        if (id.equals(".") || id.equals("..")) {
            return "'" + id + "'";
        }
        for (char c : id.toCharArray()) {
            if (Character.isISOControl(c) || c == '/' || c == '\\') {
                return "contains '" + (int) c + "'";
            }
        }
        return null;
    }

    /** "[31000-31005, 31010-31010]" as the set of its ports (small ranges only: agents here have 1001 ports). */
    private static TreeSet<Long> ports(String ranges) {
        TreeSet<Long> ports = new TreeSet<>();
        String inner = ranges.replace("[", "").replace("]", "").trim();
        if (inner.isEmpty()) {
            return ports;
        }
        for (String range : inner.split(",")) {
            String[] bounds = range.trim().split("-");
            long begin = Long.parseLong(bounds[0].trim());
            long end = Long.parseLong(bounds[bounds.length - 1].trim());
            for (long port = begin; port <= end && ports.size() < 100_000; port++) {
                ports.add(port);
            }
        }
        return ports;
    }

    /**
     * Collects what the master logs as a failure: any ERROR, and any WARN carrying an exception (an exception that
     * escaped a handler or an event of the master's loop).
     */
    static final class LogProblems extends AppenderBase<ILoggingEvent> {
        private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

        static LogProblems install() {
            LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
            LogProblems capture = new LogProblems();
            capture.setContext(context);
            capture.setName("fuzz-log-problems");
            capture.start();
            context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(capture);
            return capture;
        }

        void uninstall() {
            LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
            context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(this);
            stop();
        }

        @Override
        protected void append(ILoggingEvent event) {
            boolean error = event.getLevel().isGreaterOrEqual(Level.ERROR);
            boolean warnWithException = event.getLevel().isGreaterOrEqual(Level.WARN)
                    && event.getThrowableProxy() != null;
            if (!error && !warnWithException) {
                return;
            }
            StringBuilder text = new StringBuilder(event.getLevel().toString()).append(' ')
                    .append(event.getLoggerName()).append(" [").append(event.getThreadName()).append("] ")
                    .append(event.getFormattedMessage());
            for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
                text.append("\n  caused by ").append(cause.getClassName()).append(": ").append(cause.getMessage());
                StackTraceElementProxy[] frames = cause.getStackTraceElementProxyArray();
                for (int i = 0; i < Math.min(frames.length, 8); i++) {
                    text.append("\n    at ").append(frames[i].getStackTraceElement());
                }
            }
            problems.add(text.toString());
        }

        /** The problems logged since the last call. */
        List<String> drain() {
            List<String> drained = new ArrayList<>();
            for (String problem; (problem = problems.poll()) != null; ) {
                drained.add(problem);
            }
            return drained;
        }
    }
}
