package io.corral.master.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.corral.master.MasterView;
import io.corral.master.OperatorResponses;
import io.corral.master.OperatorResponses.TaskList;
import io.corral.master.state.TaskView;
import io.corral.protocol.json.MesosJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.master.Protos.Response;

/**
 * The operator API's {@code GET_STATE} and {@code GET_TASKS} answers in JSON, written piece by piece: the same JSON
 * as encoding {@link OperatorResponses#state} whole, but each task's {@code Task} object is rendered once per change
 * of the task and kept with its view ({@link TaskView#operatorJson}), since tasks are most of a large cluster's
 * state and most are unchanged from one read to the next. Agents, frameworks and executors are encoded afresh.
 *
 * <p>Fields are written in MesosJson's order, so the bytes are those of the whole encoding.
 *
 * <p>Threading: stateless; runs on reader threads with a published (and reader-cut) view.
 */
public final class OperatorStateJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private OperatorStateJson() {
    }

    public static byte[] getState(MasterView view) {
        return write(out -> { // fields in name order, as MesosJson writes every message
            out.writeObjectFieldStart("get_state");
            out.writeFieldName("get_agents");
            MesosJson.write(out, OperatorResponses.getAgents(view));
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
        return write(out -> {
            out.writeFieldName("get_tasks");
            writeTasks(out, view);
            out.writeStringField("type", Response.Type.GET_TASKS.name());
        });
    }

    private interface Fields {
        void write(JsonGenerator out) throws IOException;
    }

    /** A JSON object holding {@code fields}. */
    private static byte[] write(Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        try (JsonGenerator out = FACTORY.createGenerator(bytes)) {
            out.writeStartObject();
            fields.write(out);
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
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
            for (TaskView task : tasks) {
                out.writeRawValue(JsonFragment.of(task.operatorJson()
                        .get(() -> MesosJson.printBytes(OperatorResponses.task(task)))));
            }
            out.writeEndArray();
        }
        out.writeEndObject();
    }
}
