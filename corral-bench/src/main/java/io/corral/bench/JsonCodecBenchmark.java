package io.corral.bench;

import com.google.protobuf.ByteString;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.resources.ResourceSet;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JSON a master reads and writes most: an agent's REGISTER after a failover (its running tasks with the status
 * an agent keeps), decoded by the agent protocol and encoded as an agent sends it, in JSON and in the protobuf wire
 * format Corral's agents speak, and a scheduler's ACCEPT launching tasks, decoded as the scheduler API reads JSON.
 * After a failover at 10,000 agents the new leader decodes 10,000 REGISTERs in the seconds it has
 * ({@code docs/benchmarks.md}, "The failover with 100,000 tasks").
 *
 * <p>{@code tasks} is the tasks in each message. Run on purpose with {@code bench/json-codec} (not in
 * {@code ./mvnw verify}). Threading: JMH's; one benchmark thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class JsonCodecBenchmark {
    private static final AgentID AGENT =
            AgentID.newBuilder().setValue("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S7").build();
    private static final FrameworkID FRAMEWORK =
            FrameworkID.newBuilder().setValue("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-0001").build();

    @Param({"10"})
    public int tasks;

    private AgentCall register;
    private byte[] registerJson;
    private byte[] registerWire;
    private byte[] acceptJson;

    @Setup
    public void messages() {
        register = registration(tasks);
        registerJson = AgentProtocol.encode(register);
        registerWire = AgentProtocol.encode(register, Encoding.PROTOBUF);
        System.out.printf("%nREGISTER of %d tasks: %,d bytes of JSON, %,d of protobuf%n", tasks, registerJson.length,
                registerWire.length);
        acceptJson = MesosJson.printBytes(accept(tasks));
    }

    @Benchmark
    public AgentCall decodeRegister() {
        return AgentProtocol.decodeCall(registerJson);
    }

    @Benchmark
    public byte[] encodeRegister() {
        return AgentProtocol.encode(register);
    }

    /** The same REGISTER in the agent protocol's protobuf wire format, as Corral's agents send it. */
    @Benchmark
    public AgentCall decodeRegisterProtobuf() {
        return AgentProtocol.decodeCall(registerWire, Encoding.PROTOBUF);
    }

    @Benchmark
    public byte[] encodeRegisterProtobuf() {
        return AgentProtocol.encode(register, Encoding.PROTOBUF);
    }

    @Benchmark
    public Call decodeAcceptJson() {
        return MesosJson.parse(acceptJson, Call.getDefaultInstance());
    }

    static AgentCall registration(int count) {
        AgentInfo info = AgentInfo.newBuilder().setHostname("agent-7.example.org").setPort(5051).setId(AGENT)
                .addAllResources(ResourceSet.parse("cpus:32;mem:131072;disk:100000;ports:[31000-32000]").toList())
                .build();
        FrameworkInfo framework = FrameworkInfo.newBuilder().setUser("corral").setName("web").setId(FRAMEWORK)
                .setPrincipal("web").setCheckpoint(true).setFailoverTimeout(3600).build();
        List<AgentCall.RunningTask> running = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TaskInfo task = task(i);
            TaskStatus status = TaskStatus.newBuilder().setTaskId(task.getTaskId()).setAgentId(AGENT)
                    .setExecutorId(ExecutorID.newBuilder().setValue(task.getTaskId().getValue()))
                    .setState(TaskState.TASK_RUNNING).setSource(TaskStatus.Source.SOURCE_EXECUTOR)
                    .setTimestamp(1.7e9 + i / 3.0)
                    .setUuid(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(7).putLong(i).array())).build();
            running.add(new AgentCall.RunningTask(FRAMEWORK, task, status));
        }
        return AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, info, running, List.of(framework)));
    }

    static Call accept(int count) {
        Offer.Operation.Launch.Builder launch = Offer.Operation.Launch.newBuilder();
        for (int i = 0; i < count; i++) {
            launch.addTaskInfos(task(i));
        }
        return Call.newBuilder().setType(Call.Type.ACCEPT).setFrameworkId(FRAMEWORK)
                .setAccept(Call.Accept.newBuilder().addOfferIds(OfferID.newBuilder().setValue("O-1"))
                        .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                                .setLaunch(launch)))
                .build();
    }

    private static TaskInfo task(int i) {
        String id = "web.instance-" + i + ".4c1f6c2e-87a2-11ef-b864-0242ac120002";
        return TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id)).setAgentId(AGENT)
                .setCommand(CommandInfo.newBuilder().setValue("exec ./serve --port $PORT0"))
                .addAllResources(ResourceSet.parse("cpus:0.5;mem:512;ports:[31000-31000]").withAllocationRole("web")
                        .toList())
                .build();
    }
}
