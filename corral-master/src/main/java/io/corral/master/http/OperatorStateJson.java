package io.corral.master.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.corral.master.MasterView;
import io.corral.master.OperatorResponses;
import io.corral.master.OperatorResponses.TaskList;
import io.corral.master.state.AgentView;
import io.corral.master.state.Runs;
import io.corral.master.state.TaskView;
import io.corral.protocol.http.ResponseBody;
import io.corral.protocol.json.MesosJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.mesos.v1.master.Protos.Response;

/**
 * The operator API's {@code GET_STATE} and {@code GET_TASKS} answers in JSON, written piece by piece: the same JSON
 * as encoding {@link OperatorResponses#state} whole, but each task's {@code Task} object is rendered once per change
 * of the task and kept with its view ({@link TaskView#operatorJson}), since tasks are most of a large cluster's
 * state and most are unchanged from one read to the next; each agent's object is kept while its view is the same
 * ({@link AgentView#operatorJson}). Frameworks and executors are encoded afresh. For readers who take gzip, the task
 * lists go as runs of about 64 tasks ({@link Runs}), each kept compressed while its tasks are the same
 * ({@link TaskView#operatorPart}), so only runs with a changed task are compressed again.
 *
 * <p>Fields are written in MesosJson's order, so the bytes are those of the whole encoding.
 *
 * <p>Threading: runs on reader threads with a published (and reader-cut) view; its only state is the size hints,
 * atomic.
 */
public final class OperatorStateJson {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final int MIN_BYTES = 64 * 1024;
    private static final AtomicInteger LAST_STATE_BYTES = new AtomicInteger(MIN_BYTES);
    private static final AtomicInteger LAST_TASKS_BYTES = new AtomicInteger(MIN_BYTES);

    private OperatorStateJson() {
    }

    public static byte[] getState(MasterView view) {
        return getState(view, false).bytes();
    }

    /** {@code GET_STATE}, written gzip-compressed as it goes when {@code gzip} (its readers take gzip). */
    public static ResponseBody getState(MasterView view, boolean gzip) {
        return write(LAST_STATE_BYTES, gzip, out -> { // fields in name order, as MesosJson writes every message
            out.writeObjectFieldStart("get_state");
            out.writeFieldName("get_agents");
            writeAgents(out, view);
            out.writeFieldName("get_executors");
            MesosJson.write(out, OperatorResponses.getExecutors(view));
            out.writeFieldName("get_frameworks");
            MesosJson.write(out, OperatorResponses.getFrameworks(view));
            out.writeFieldName("get_tasks");
            writeTasks(out, view);
            out.writeEndObject();
            out.writeStringField("type", Response.Type.GET_STATE.name());
        });
    }

    static byte[] getTasks(MasterView view) {
        return getTasks(view, false).bytes();
    }

    /** {@code GET_TASKS}, written gzip-compressed as it goes when {@code gzip} (its readers take gzip). */
    static ResponseBody getTasks(MasterView view, boolean gzip) {
        return write(LAST_TASKS_BYTES, gzip, out -> {
            out.writeFieldName("get_tasks");
            writeTasks(out, view);
            out.writeStringField("type", Response.Type.GET_TASKS.name());
        });
    }

    private interface Fields {
        void write(JsonGenerator out) throws IOException;
    }

    /**
     * A JSON object holding {@code fields}: gzip-compressed as it is written when {@code gzip}, else written into one
     * array sized like the last answer of its kind ({@code lastSize}, a hint: a race only costs a resize). Grown by
     * doubling from a small one, a 72 MB state was copied eleven times over, and the garbage of those copies made the
     * readers' p99 (bench/state-read --operator).
     */
    private static ResponseBody write(AtomicInteger lastSize, boolean gzip, Fields fields) {
        ResponseBody body = ResponseBody.written(gzip, lastSize.get() + lastSize.get() / 16, target -> {
            try (JsonGenerator out = FACTORY.createGenerator(target)) {
                out.writeStartObject();
                fields.write(out);
                out.writeEndObject();
            }
        });
        lastSize.set((int) Math.max(MIN_BYTES, Math.min(body.length(), Integer.MAX_VALUE - 8)));
        return body;
    }

    /**
     * {@code GetAgents}: each agent's object kept with the view it was rendered from ({@link AgentView#operatorJson}),
     * so an agent whose resources and modes did not change is not encoded again, and runs of them kept compressed
     * ({@link AgentView#operatorPart}); {@code recovered_agents} (never set) is left out, as MesosJson leaves out an
     * empty list.
     */
    private static void writeAgents(JsonGenerator out, MasterView view) throws IOException {
        out.writeStartObject();
        if (!view.agents().isEmpty()) {
            out.writeArrayFieldStart("agents");
            for (List<AgentView> run : Runs.of(view.agents(), agent -> agent.id().getValue().hashCode())) {
                CompressedRun.write(out, run.get(0).operatorPart().get(run, () -> CompressedRun.pieces(run, // kept
                        agent -> List.of(agent.operatorJson()
                                .get(agent, () -> MesosJson.printBytes(OperatorResponses.agent(agent)))))));
            }
            out.writeEndArray();
        }
        out.writeEndObject();
    }

    /** {@code GetTasks}: its lists in name order, each left out when empty, as MesosJson writes them. */
    private static void writeTasks(JsonGenerator out, MasterView view) throws IOException {
        Map<TaskList, List<TaskView>> lists = new EnumMap<>(TaskList.class);
        OperatorResponses.forEachTask(view, (task, list) -> lists.computeIfAbsent(list, l -> new ArrayList<>())
                .add(task));
        out.writeStartObject();
        for (TaskList list : List.of(TaskList.COMPLETED_TASKS, TaskList.TASKS, TaskList.UNREACHABLE_TASKS)) {
            List<TaskView> tasks = lists.getOrDefault(list, List.of());
            if (tasks.isEmpty()) {
                continue;
            }
            out.writeArrayFieldStart(list.name().toLowerCase(java.util.Locale.ROOT));
            for (List<TaskView> run : Runs.of(tasks, TaskView::idHash)) { // kept compressed while the same
                CompressedRun.write(out, run.get(0).operatorPart().get(run,
                        () -> CompressedRun.pieces(run, task -> List.of(taskBytes(task)))));
            }
            out.writeEndArray();
        }
        out.writeEndObject();
    }

    /** A task's {@code Task} object, rendered once per change of the task and kept with its view. */
    private static byte[] taskBytes(TaskView task) {
        return task.operatorJson().get(() -> MesosJson.printBytes(OperatorResponses.task(task)));
    }
}
