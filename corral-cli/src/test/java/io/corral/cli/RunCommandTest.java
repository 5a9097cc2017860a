package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class RunCommandTest {

    @ParameterizedTest
    @CsvSource({
            "TASK_FINISHED, '', false, 0",
            "TASK_FAILED, Command exited with status 3, false, 3",
            "TASK_FAILED, 'Command exited with status 127 (pid: 42)', false, 127",
            "TASK_FAILED, Command terminated with signal Killed, false, 1",
            "TASK_FAILED, '', false, 1",
            "TASK_KILLED, Command terminated with signal Terminated, false, 137",
            "TASK_KILLED, '', true, 130",
            "TASK_LOST, Agent removed, false, 1",
            "TASK_ERROR, Task uses more resources than offered, false, 1",
            "TASK_DROPPED, '', false, 1",
            "TASK_GONE, '', false, 1",
            "TASK_GONE_BY_OPERATOR, '', false, 1",
    })
    void exitCodeMirrorsTheTerminalState(TaskState state, String message, boolean interrupted, int expected) {
        TaskStatus status = TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue("t"))
                .setState(state).setMessage(message).build();
        assertThat(RunCommand.exitCode(status, interrupted)).isEqualTo(expected);
    }

    @Test
    void anImageMakesAMesosContainerWithADockerImage() {
        TaskInfo task = TaskInfo.newBuilder().setName("t").setTaskId(org.apache.mesos.v1.Protos.TaskID.newBuilder()
                .setValue("t-1")).setAgentId(org.apache.mesos.v1.Protos.AgentID.newBuilder().setValue("a")).build();

        TaskInfo inImage = RunCommand.withImage(task, "127.0.0.1:5000/busybox:latest");

        assertThat(inImage.getContainer().getType()).isEqualTo(org.apache.mesos.v1.Protos.ContainerInfo.Type.MESOS);
        assertThat(inImage.getContainer().getMesos().getImage().getType())
                .isEqualTo(org.apache.mesos.v1.Protos.Image.Type.DOCKER);
        assertThat(inImage.getContainer().getMesos().getImage().getDocker().getName())
                .isEqualTo("127.0.0.1:5000/busybox:latest");
        assertThat(RunCommand.withImage(task, null)).isEqualTo(task);
    }

    @Test
    void terminalStatesAreMesossOwn() {
        assertThat(RunCommand.isTerminal(TaskState.TASK_RUNNING)).isFalse();
        assertThat(RunCommand.isTerminal(TaskState.TASK_KILLING)).isFalse();
        assertThat(RunCommand.isTerminal(TaskState.TASK_UNREACHABLE)).isFalse();
        assertThat(RunCommand.isTerminal(TaskState.TASK_LOST)).isTrue();
        assertThat(RunCommand.isTerminal(TaskState.TASK_GONE_BY_OPERATOR)).isTrue();
    }

    @Test
    void quotedArgumentsReachTheProgramExactlyThroughARealShell() throws Exception {
        List<String> args = List.of("hello world", "it's", "$HOME", "a;b|c&&d", "*", "", "back\\slash",
                "`uname`", "--flag=x,y", "tab\there", "\"double\"", "new\nline");
        String commandLine = RunCommand.shellCommand(
                java.util.stream.Stream.concat(java.util.stream.Stream.of("printf", "[%s]"), args.stream()).toList());

        Process sh = new ProcessBuilder("/bin/sh", "-c", commandLine).redirectErrorStream(true).start();
        String output = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sh.waitFor()).isZero();
        assertThat(output).isEqualTo(args.stream().map(a -> "[" + a + "]").reduce("", String::concat));
    }

    @Test
    void plainArgumentsStayReadable() {
        assertThat(RunCommand.shellCommand(List.of("echo", "hello", "/tmp/x.txt", "--n=1", "a:b@c%d+e")))
                .isEqualTo("echo hello /tmp/x.txt --n=1 a:b@c%d+e");
        assertThat(RunCommand.shellCommand(List.of("sh", "-c", "echo hi && sleep 1")))
                .isEqualTo("sh -c 'echo hi && sleep 1'");
    }

    @Test
    void taskNameAndIdComeFromTheNameOrTheProgram() {
        assertThat(RunCommand.taskName(null, List.of("/usr/bin/python3", "x.py"))).isEqualTo("python3");
        assertThat(RunCommand.taskName("  build  ", List.of("make"))).isEqualTo("build");
        UUID uuid = UUID.fromString("1a2b3c4d-0000-0000-0000-000000000000");
        assertThat(RunCommand.taskId("echo", uuid)).isEqualTo("echo-1a2b3c4d");
        assertThat(RunCommand.taskId("my job/1", uuid)).isEqualTo("my-job-1-1a2b3c4d");
    }

    @Test
    void takesResourcesFromTheOfferWithItsRolesAndAllocation() {
        Offer offer = Offer.newBuilder()
                .setId(OfferID.newBuilder().setValue("O1"))
                .setFrameworkId(FrameworkID.newBuilder().setValue("F"))
                .setAgentId(AgentID.newBuilder().setValue("S1"))
                .setHostname("agent-one")
                .setAllocationInfo(Resource.AllocationInfo.newBuilder().setRole("eng"))
                .addResources(scalar("cpus", 0.25, "eng"))
                .addResources(scalar("cpus", 2, "*"))
                .addResources(scalar("mem", 1024, "*"))
                .build();
        assertThat(RunCommand.fits(offer, 2.25, 1024)).isTrue();
        assertThat(RunCommand.fits(offer, 2.3, 64)).isFalse();
        assertThat(RunCommand.fits(offer, 1, 1025)).isFalse();

        TaskInfo task = RunCommand.taskInfo(offer, "echo-1", "echo", "echo hi", 0.5, 32);
        assertThat(task.getAgentId().getValue()).isEqualTo("S1");
        assertThat(task.getCommand().getShell()).isTrue();
        assertThat(task.getCommand().getValue()).isEqualTo("echo hi");
        assertThat(task.getResourcesList()).extracting(Resource::getName, r -> r.getScalar().getValue(),
                        Resource::getRole, r -> r.getAllocationInfo().getRole())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("cpus", 0.25, "eng", "eng"),
                        org.assertj.core.groups.Tuple.tuple("cpus", 0.25, "*", "eng"),
                        org.assertj.core.groups.Tuple.tuple("mem", 32.0, "*", "eng"));
    }

    @Test
    void aStatusLineHasTimeStateTaskAgentAndMessage() {
        TaskStatus status = TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue("echo-1a2b3c4d"))
                .setState(TaskState.TASK_FAILED).setMessage("Command exited with status 3\n")
                .setTimestamp(1_700_000_000.25).build();
        assertThat(RunCommand.statusLine(status, "agent-one", Instant.EPOCH, ZoneOffset.UTC))
                .isEqualTo("22:13:20  TASK_FAILED    echo-1a2b3c4d  agent-one  Command exited with status 3");
        TaskStatus noTime = status.toBuilder().clearTimestamp().clearMessage().setState(TaskState.TASK_RUNNING).build();
        assertThat(RunCommand.statusLine(noTime, "agent-one", Instant.ofEpochSecond(3600), ZoneOffset.UTC))
                .isEqualTo("01:00:00  TASK_RUNNING   echo-1a2b3c4d  agent-one");
    }

    @Test
    void withoutAClusterItExitsTwoWithTheNoClusterMessage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RunCommand run = new RunCommand(new ClusterLocator(name -> null, Optional::empty),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true), Clock.systemUTC());
        assertThat(new CommandLine(run).execute("--", "echo", "hi")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo(ClusterLocator.NO_CLUSTER_MESSAGE);
    }

    @Test
    void badResourceAmountsAreRejectedBeforeContactingAnything() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RunCommand run = new RunCommand(new ClusterLocator(name -> null, Optional::empty),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true), Clock.systemUTC());
        assertThat(new CommandLine(run).execute("--cpus", "0", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("--cpus and --mem must be positive");
    }

    @Test
    void aCommandIsRequired() {
        CommandLine cli = new CommandLine(new RunCommand());
        cli.setErr(new java.io.PrintWriter(new ByteArrayOutputStream()));
        assertThat(cli.execute()).isEqualTo(2);
    }

    @Test
    void helpExplainsOptionsExitCodesAndExamples() {
        String help = new CommandLine(new RunCommand()).getUsageMessage();
        assertThat(help).contains("Usage: run", "CMD...", "--name=NAME", "--cpus=CPUS", "--mem=MB", "--json",
                "--master=URL", "--zk=ZK_URL", "(default: 0.1)", "(default: 32)", "Exit codes:", "137",
                "corral run -- echo hello");
    }

    private static Resource scalar(String name, double value, String role) {
        return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(value)).setRole(role).build();
    }
}
