package io.corral.agent.http;

import com.google.protobuf.ByteString;
import io.corral.agent.AgentView;
import io.corral.agent.AgentView.ExecutorView;
import io.corral.agent.AgentView.TaskView;
import io.corral.agent.http.RunningContainers.Container;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.http.MediaTypes;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.ContainerID;
import org.apache.mesos.v1.Protos.FileInfo;
import org.apache.mesos.v1.Protos.Flag;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Metric;
import org.apache.mesos.v1.Protos.Task;
import org.apache.mesos.v1.Protos.TimeInfo;
import org.apache.mesos.v1.Protos.VersionInfo;
import org.apache.mesos.v1.agent.Protos.Call;
import org.apache.mesos.v1.agent.Protos.Response;

/**
 * {@code POST /api/v1} on the agent: Mesos's v1 agent operator API, in JSON and protobuf, checked in Mesos's order
 * (method 405, {@code Content-Type} 400/415, {@code Accept} 406, body 400), answered 200 with one
 * {@code mesos.v1.agent.Response}. Served: {@code GET_HEALTH}, {@code GET_FLAGS}, {@code GET_VERSION},
 * {@code GET_METRICS}, {@code GET_STATE}, {@code GET_FRAMEWORKS}, {@code GET_EXECUTORS}, {@code GET_TASKS},
 * {@code GET_AGENT}, {@code GET_CONTAINERS} (with each container's usage), {@code LIST_FILES} and
 * {@code READ_FILE} (the sandboxes only, with the {@link SandboxFiles} checks). Any other call answers 400 and says
 * it is not supported yet.
 *
 * <p>Under {@code --acls} as Mesos's agent: {@code GET_FLAGS} needs {@code view_flags} (else 403);
 * {@code GET_STATE}, {@code GET_FRAMEWORKS}, {@code GET_EXECUTORS}, {@code GET_TASKS} and {@code GET_CONTAINERS}
 * leave out what the principal may not view ({@link VisibleView}; containers, which Mesos checks with
 * {@code view_containers}, an action Corral's ACLs do not have, go with their executor and task); {@code LIST_FILES}
 * and {@code READ_FILE} need {@code access_sandboxes} on the sandbox's user (else 403).
 *
 * <p>Threading: {@link #handle} runs on an HTTP thread and holds no state; answers are built from a published view on
 * the reader threads ({@link AgentReads}).
 */
public final class AgentOperatorApi {
    private final AgentReads reads;
    private final Supplier<Map<String, String>> flags;
    private final VersionInfo version;
    private final ContainerUsage usage;
    private final java.time.Clock clock;

    public AgentOperatorApi(AgentReads reads, Supplier<Map<String, String>> flags, VersionInfo version,
                            ContainerUsage usage, java.time.Clock clock) {
        this.reads = reads;
        this.flags = flags;
        this.version = version;
        this.usage = usage;
        this.clock = clock;
    }

    /** Answers one call for a principal with {@code approvals}. */
    public void handle(HttpExchange exchange, Approvals approvals) {
        try {
            if (!"POST".equals(exchange.method())) {
                throw new HttpError(405, "Expecting a 'POST' request, received '" + exchange.method() + "'");
            }
            Encoding requestEncoding = MediaTypes.requestEncoding(exchange);
            Encoding responseEncoding = MediaTypes.responseEncoding(exchange);
            Call call = parse(exchange.body(), requestEncoding);
            answer(call, approvals).whenComplete((response, failure) -> {
                if (failure != null) {
                    AgentReads.fail(exchange, failure);
                } else {
                    exchange.respond(200, responseEncoding.mediaType(), responseEncoding.encode(response));
                }
            });
        } catch (HttpError error) {
            exchange.respondText(error.status(), error.getMessage());
        }
    }

    private static Call parse(byte[] body, Encoding encoding) {
        Call call;
        try {
            call = encoding.decode(body, Call.getDefaultInstance());
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "Failed to parse body into Call protobuf: " + e.getMessage());
        }
        if (!call.hasType() || call.getType() == Call.Type.UNKNOWN) {
            throw new HttpError(400, "Failed to validate agent::Call: Expecting 'type' to be present");
        }
        boolean bodyMissing = switch (call.getType()) {
            case LIST_FILES -> !call.hasListFiles();
            case READ_FILE -> !call.hasReadFile();
            default -> false;
        };
        if (bodyMissing) {
            throw new HttpError(400, "Failed to validate agent::Call: Expecting '"
                    + call.getType().name().toLowerCase(Locale.ROOT) + "' to be present");
        }
        return call;
    }

    private CompletableFuture<Response> answer(Call call, Approvals approvals) {
        return switch (call.getType()) {
            case GET_HEALTH -> CompletableFuture.completedFuture(Response.newBuilder()
                    .setType(Response.Type.GET_HEALTH)
                    .setGetHealth(Response.GetHealth.newBuilder().setHealthy(true)).build());
            case GET_FLAGS -> {
                approvals.requireViewFlags();
                yield CompletableFuture.completedFuture(flagsResponse());
            }
            case GET_VERSION -> CompletableFuture.completedFuture(Response.newBuilder()
                    .setType(Response.Type.GET_VERSION)
                    .setGetVersion(Response.GetVersion.newBuilder().setVersionInfo(version)).build());
            case GET_METRICS -> reads.read(view -> metrics(AgentMetrics.snapshot(view, clock.millis())));
            case GET_STATE -> reads.readVisible(approvals, view -> Response.newBuilder()
                    .setType(Response.Type.GET_STATE).setGetState(Response.GetState.newBuilder().setGetTasks(tasks(view))
                            .setGetExecutors(executors(view)).setGetFrameworks(frameworks(view))).build());
            case GET_FRAMEWORKS -> reads.readVisible(approvals, view -> Response.newBuilder()
                    .setType(Response.Type.GET_FRAMEWORKS).setGetFrameworks(frameworks(view)).build());
            case GET_EXECUTORS -> reads.readVisible(approvals, view -> Response.newBuilder()
                    .setType(Response.Type.GET_EXECUTORS).setGetExecutors(executors(view)).build());
            case GET_TASKS -> reads.readVisible(approvals, view -> Response.newBuilder()
                    .setType(Response.Type.GET_TASKS).setGetTasks(tasks(view)).build());
            case GET_AGENT -> reads.read(view -> Response.newBuilder().setType(Response.Type.GET_AGENT)
                    .setGetAgent(Response.GetAgent.newBuilder().setAgentInfo(view.info())).build());
            case GET_CONTAINERS -> reads.readVisible(approvals, this::containers);
            case LIST_FILES -> reads.readFiles(approvals, files -> listFiles(files, call.getListFiles().getPath()));
            case READ_FILE -> reads.readFiles(approvals, files -> readFile(files, call.getReadFile()));
            default -> CompletableFuture.failedFuture(new HttpError(400, "Agent call " + call.getType()
                    + " is not supported by Corral yet"));
        };
    }

    private Response flagsResponse() {
        Response.GetFlags.Builder get = Response.GetFlags.newBuilder();
        new TreeMap<>(flags.get()).forEach((name, value) -> get.addFlags(Flag.newBuilder().setName(name)
                .setValue(value)));
        return Response.newBuilder().setType(Response.Type.GET_FLAGS).setGetFlags(get).build();
    }

    private static Response metrics(Map<String, Number> snapshot) {
        Response.GetMetrics.Builder get = Response.GetMetrics.newBuilder();
        snapshot.forEach((name, value) -> get.addMetrics(Metric.newBuilder().setName(name)
                .setValue(value.doubleValue())));
        return Response.newBuilder().setType(Response.Type.GET_METRICS).setGetMetrics(get).build();
    }

    private static Response.GetFrameworks frameworks(AgentView view) {
        Response.GetFrameworks.Builder get = Response.GetFrameworks.newBuilder();
        for (FrameworkInfo framework : view.frameworks()) {
            get.addFrameworks(Response.GetFrameworks.Framework.newBuilder().setFrameworkInfo(framework));
        }
        for (FrameworkInfo framework : view.completedFrameworks()) {
            get.addCompletedFrameworks(Response.GetFrameworks.Framework.newBuilder().setFrameworkInfo(framework));
        }
        return get.build();
    }

    private static Response.GetExecutors executors(AgentView view) {
        Response.GetExecutors.Builder get = Response.GetExecutors.newBuilder();
        view.executors().forEach(executor -> get.addExecutors(
                Response.GetExecutors.Executor.newBuilder().setExecutorInfo(executor.info())));
        view.completedExecutors().forEach(executor -> get.addCompletedExecutors(
                Response.GetExecutors.Executor.newBuilder().setExecutorInfo(executor.info())));
        return get.build();
    }

    /** Mesos's split: queued (waiting for an executor), launched, terminated (not yet acknowledged), completed. */
    private static Response.GetTasks tasks(AgentView view) {
        Response.GetTasks.Builder get = Response.GetTasks.newBuilder();
        for (ExecutorView executor : view.executors()) {
            for (TaskView task : executor.tasks()) {
                Task proto = task(view, task);
                if (task.isTerminal()) {
                    get.addTerminatedTasks(proto);
                } else if (task.latestStatus() == null && !executor.commandTask()) {
                    get.addQueuedTasks(proto);
                } else {
                    get.addLaunchedTasks(proto);
                }
            }
            executor.completedTasks().forEach(task -> get.addCompletedTasks(task(view, task)));
        }
        for (ExecutorView executor : view.completedExecutors()) {
            executor.completedTasks().forEach(task -> get.addCompletedTasks(task(view, task)));
        }
        return get.build();
    }

    private static Task task(AgentView view, TaskView task) {
        Task.Builder proto = Task.newBuilder()
                .setName(task.task().getName())
                .setTaskId(task.task().getTaskId())
                .setFrameworkId(task.frameworkId())
                .setAgentId(task.task().hasAgentId() ? task.task().getAgentId() : view.info().getId())
                .setState(task.state())
                .addAllResources(task.task().getResourcesList());
        if (task.task().hasExecutor()) {
            proto.setExecutorId(task.task().getExecutor().getExecutorId());
        }
        if (task.latestStatus() != null) {
            proto.addStatuses(task.latestStatus());
        }
        if (task.task().hasLabels()) {
            proto.setLabels(task.task().getLabels());
        }
        return proto.build();
    }

    private Response containers(AgentView view) {
        Response.GetContainers.Builder get = Response.GetContainers.newBuilder();
        ContainerUsage.ProcessTable processes = ContainerUsage.ProcessTable.read();
        for (Container container : RunningContainers.of(view)) {
            get.addContainers(Response.GetContainers.Container.newBuilder()
                    .setFrameworkId(container.executor().frameworkId())
                    .setExecutorId(container.executor().info().getExecutorId())
                    .setExecutorName(container.executor().info().getName())
                    .setContainerId(ContainerID.newBuilder().setValue(container.containerId()))
                    .setResourceStatistics(usage.usage(container.containerId(), processes, container.launcherPid(),
                            container.resources())));
        }
        return Response.newBuilder().setType(Response.Type.GET_CONTAINERS).setGetContainers(get).build();
    }

    private static Response listFiles(SandboxFiles files, String path) {
        Response.ListFiles.Builder list = Response.ListFiles.newBuilder();
        for (SandboxFiles.Entry entry : files.browse(path)) {
            list.addFileInfos(FileInfo.newBuilder()
                    .setPath(entry.path())
                    .setNlink((int) entry.nlink())
                    .setSize(entry.size())
                    .setMtime(TimeInfo.newBuilder().setNanoseconds(entry.mtimeSeconds() * 1_000_000_000L))
                    .setMode(entry.modeBits())
                    .setUid(entry.uid())
                    .setGid(entry.gid()));
        }
        return Response.newBuilder().setType(Response.Type.LIST_FILES).setListFiles(list).build();
    }

    /** Mesos: the bytes at {@code offset} (at most 64 KiB) and the file's size; {@code length} 0 gives the size. */
    private static Response readFile(SandboxFiles files, Call.ReadFile read) {
        if (read.getOffset() < 0) { // a uint64 beyond Long.MAX_VALUE
            throw new HttpError(400, "Negative offset provided: " + Long.toUnsignedString(read.getOffset()));
        }
        Long length = read.hasLength() ? Long.valueOf(read.getLength() < 0 ? Long.MAX_VALUE : read.getLength()) : null;
        SandboxFiles.Chunk chunk = files.read(read.getPath(), read.getOffset(), length);
        return Response.newBuilder().setType(Response.Type.READ_FILE)
                .setReadFile(Response.ReadFile.newBuilder().setSize(chunk.size())
                        .setData(ByteString.copyFrom(chunk.data()))).build();
    }
}
