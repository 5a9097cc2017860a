package io.corral.cli;

import io.corral.cli.output.Table;
import io.corral.protocol.json.MesosJson;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.mesos.v1.Protos.DurationInfo;
import org.apache.mesos.v1.Protos.MachineID;
import org.apache.mesos.v1.Protos.TimeInfo;
import org.apache.mesos.v1.Protos.Unavailability;
import org.apache.mesos.v1.maintenance.Protos.ClusterStatus;
import org.apache.mesos.v1.maintenance.Protos.Schedule;
import org.apache.mesos.v1.maintenance.Protos.Window;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral maintenance schedule|start|stop|status}: Mesos's maintenance primitives through the operator API.
 * A machine is {@code HOST[,IP]}; {@code start} and {@code stop} also accept a bare hostname or IP naming exactly
 * one scheduled machine.
 */
@Command(name = "maintenance",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = {"Plan machine maintenance: scheduled machines are DRAINING (frameworks are asked to move "
                + "their tasks away), 'start' brings them DOWN (their agents are shut down), 'stop' brings them "
                + "back UP and off the schedule."},
        subcommands = {MaintenanceCommand.ScheduleCmd.class, MaintenanceCommand.Start.class,
                MaintenanceCommand.Stop.class, MaintenanceCommand.Status.class},
        footerHeading = "%nExamples:%n",
        footer = {"  corral maintenance schedule --machine node1,10.0.0.1 --start 2h --duration 1h",
                "  corral maintenance schedule --file schedule.json",
                "  corral maintenance status",
                "  corral maintenance start node1",
                "  corral maintenance stop node1"})
public final class MaintenanceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static MachineID parseMachine(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length > 2 || text.isBlank()) {
            throw new IllegalArgumentException("'" + text + "' is not HOST[,IP]; write it like node1,10.0.0.1");
        }
        MachineID.Builder machine = MachineID.newBuilder().setHostname(parts[0].strip());
        if (parts.length == 2) {
            machine.setIp(parts[1].strip());
        }
        return machine.build();
    }

    static String describe(MachineID machine) {
        return machine.getHostname() + (machine.getIp().isEmpty() ? "" : "," + machine.getIp());
    }

    private static Schedule currentSchedule(ClusterLocator locator, ClusterOptions cluster)
            throws InterruptedException {
        return new OperatorClient().call(locator, cluster, Call.newBuilder()
                        .setType(Call.Type.GET_MAINTENANCE_SCHEDULE).build())
                .map(r -> r.getGetMaintenanceSchedule().getSchedule()).orElse(Schedule.getDefaultInstance());
    }

    @Command(name = "schedule", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Show the schedule, or change it: --file replaces it with a Mesos schedule (JSON, as "
                    + "'GET /master/maintenance/schedule' prints it); --machine adds a window for the machines "
                    + "(machines already scheduled move to it)."})
    static final class ScheduleCmd extends ClusterCommand implements Callable<Integer> {
        @Option(names = "--file", paramLabel = "FILE", description = "A schedule in Mesos's JSON form.")
        Path file;

        @Option(names = "--machine", paramLabel = "HOST[,IP]", description = "A machine of the new window.")
        List<String> machines = new ArrayList<>();

        @Option(names = "--start", paramLabel = "WHEN",
                description = "When the machines become unavailable: an ISO-8601 time (2030-01-31T22:00:00Z) or "
                        + "a delay from now (2h).")
        String start;

        @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "How long they stay unavailable, e.g. 1h.")
        Duration duration;

        @Option(names = "--json", description = "Print the schedule as Mesos's JSON.")
        boolean json;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        ScheduleCmd() {
        }

        ScheduleCmd(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            if (file != null && !machines.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "use either --file or --machine, not both");
            }
            if (file == null && machines.isEmpty()) {
                return OperatorClient.run("maintenance schedule", err, () -> print(currentSchedule(locator, cluster)));
            }
            Schedule fromFile = file != null ? read(file) : null;
            Window window = file == null ? window() : null;
            return OperatorClient.run("maintenance schedule", err, () -> {
                Schedule schedule = fromFile != null ? fromFile : withWindow(currentSchedule(locator, cluster),
                        window);
                new OperatorClient().call(locator, cluster, Call.newBuilder()
                        .setType(Call.Type.UPDATE_MAINTENANCE_SCHEDULE)
                        .setUpdateMaintenanceSchedule(Call.UpdateMaintenanceSchedule.newBuilder()
                                .setSchedule(schedule)).build());
                out.println("Maintenance schedule updated: " + machineCount(schedule) + " machines in "
                        + schedule.getWindowsCount() + " windows. Follow it with 'corral maintenance status'.");
                out.flush();
            });
        }

        private Window window() {
            if (start == null || duration == null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--machine needs --start and --duration, e.g. --start 2h --duration 1h");
            }
            Window.Builder window = Window.newBuilder().setUnavailability(Unavailability.newBuilder()
                    .setStart(TimeInfo.newBuilder().setNanoseconds(startInstant().toEpochMilli() * 1_000_000L))
                    .setDuration(DurationInfo.newBuilder().setNanoseconds(duration.toNanos())));
            for (String machine : machines) {
                try {
                    window.addMachineIds(parseMachine(machine));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                }
            }
            return window.build();
        }

        private Instant startInstant() {
            try {
                return Instant.parse(start);
            } catch (DateTimeParseException notAnInstant) {
                try {
                    return clock.instant().plus(new DurationConverter().convert(start));
                } catch (CommandLine.TypeConversionException notADelay) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--start '" + start + "' is neither"
                            + " an ISO-8601 time like 2030-01-31T22:00:00Z nor a delay like 2h");
                }
            }
        }

        private Schedule read(Path path) {
            try {
                return MesosJson.parse(Files.readAllBytes(path), Schedule.getDefaultInstance());
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + path + ": "
                        + e.getMessage());
            } catch (RuntimeException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), path + " is not a Mesos maintenance"
                        + " schedule (JSON with \"windows\"): " + e.getMessage());
            }
        }

        private static Schedule withWindow(Schedule current, Window window) {
            List<String> moved = window.getMachineIdsList().stream().map(m -> describe(m).toLowerCase(Locale.ROOT))
                    .toList();
            Schedule.Builder next = Schedule.newBuilder();
            for (Window existing : current.getWindowsList()) {
                List<MachineID> kept = existing.getMachineIdsList().stream()
                        .filter(m -> !moved.contains(describe(m).toLowerCase(Locale.ROOT))).toList();
                if (!kept.isEmpty()) {
                    next.addWindows(existing.toBuilder().clearMachineIds().addAllMachineIds(kept));
                }
            }
            return next.addWindows(window).build();
        }

        private void print(Schedule schedule) {
            if (json) {
                out.println(MesosJson.print(schedule));
            } else if (schedule.getWindowsCount() == 0) {
                out.println("No maintenance scheduled.");
            } else {
                Table table = new Table("MACHINES", "START", "DURATION");
                for (Window window : schedule.getWindowsList()) {
                    table.row(window.getMachineIdsList().stream().map(MaintenanceCommand::describe)
                                    .collect(Collectors.joining(" ")),
                            Instant.ofEpochMilli(window.getUnavailability().getStart().getNanoseconds() / 1_000_000L),
                            PsCommand.age(window.getUnavailability().getDuration().getNanoseconds() / 1_000_000L));
                }
                table.print(out);
            }
            out.flush();
        }

        private static int machineCount(Schedule schedule) {
            return schedule.getWindowsList().stream().mapToInt(Window::getMachineIdsCount).sum();
        }
    }

    /** START_MAINTENANCE or STOP_MAINTENANCE of the named machines. */
    abstract static class ModeChange extends ClusterCommand implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "HOST[,IP]",
                description = "Machines of the schedule (a hostname or IP naming one scheduled machine will do).")
        List<String> names = new ArrayList<>();

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        ModeChange() {
        }

        ModeChange(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        abstract String name();

        abstract Call call(List<MachineID> machines);

        abstract String done(List<MachineID> machines);

        @Override
        public Integer call() throws InterruptedException {
            return OperatorClient.run("maintenance " + name(), err, () -> {
                Schedule schedule = currentSchedule(locator, cluster);
                List<MachineID> machines = new ArrayList<>();
                for (String name : names) {
                    machines.add(resolve(schedule, name));
                }
                new OperatorClient().call(locator, cluster, call(machines));
                out.println(done(machines));
                out.flush();
            });
        }

        /** The scheduled machine {@code name} means: HOST,IP as written, or the one machine of that host or IP. */
        private static MachineID resolve(Schedule schedule, String name) {
            MachineID written;
            try {
                written = parseMachine(name);
            } catch (IllegalArgumentException e) {
                throw new OperatorClient.OperatorException(e.getMessage(), 2);
            }
            if (name.contains(",")) {
                return written;
            }
            List<MachineID> matches = schedule.getWindowsList().stream()
                    .flatMap(w -> w.getMachineIdsList().stream())
                    .filter(m -> m.getHostname().equalsIgnoreCase(name) || m.getIp().equals(name)).toList();
            return matches.size() == 1 ? matches.get(0) : written;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Bring scheduled (DRAINING) machines DOWN: their agents are shut down.")
    static final class Start extends ModeChange {
        Start() {
        }

        Start(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        String name() {
            return "start";
        }

        @Override
        Call call(List<MachineID> machines) {
            return Call.newBuilder().setType(Call.Type.START_MAINTENANCE)
                    .setStartMaintenance(Call.StartMaintenance.newBuilder().addAllMachines(machines)).build();
        }

        @Override
        String done(List<MachineID> machines) {
            return "Down for maintenance: " + machines.stream().map(MaintenanceCommand::describe)
                    .collect(Collectors.joining(" ")) + ". Bring them back with 'corral maintenance stop'.";
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Bring DOWN machines back UP; they leave the schedule.")
    static final class Stop extends ModeChange {
        Stop() {
        }

        Stop(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        String name() {
            return "stop";
        }

        @Override
        Call call(List<MachineID> machines) {
            return Call.newBuilder().setType(Call.Type.STOP_MAINTENANCE)
                    .setStopMaintenance(Call.StopMaintenance.newBuilder().addAllMachines(machines)).build();
        }

        @Override
        String done(List<MachineID> machines) {
            return "Up again: " + machines.stream().map(MaintenanceCommand::describe)
                    .collect(Collectors.joining(" ")) + ".";
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the machines DRAINING (with frameworks' answers to their inverse offers) and DOWN.")
    static final class Status extends ClusterCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print Mesos's maintenance status JSON.")
        boolean json;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Status() {
        }

        Status(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            return OperatorClient.run("maintenance status", err, () -> {
                ClusterStatus status = new OperatorClient().call(locator, cluster, Call.newBuilder()
                                .setType(Call.Type.GET_MAINTENANCE_STATUS).build())
                        .map(Response::getGetMaintenanceStatus).map(Response.GetMaintenanceStatus::getStatus)
                        .orElse(ClusterStatus.getDefaultInstance());
                print(status);
            });
        }

        private void print(ClusterStatus status) {
            if (json) {
                out.println(MesosJson.print(status));
            } else if (status.getDrainingMachinesCount() == 0 && status.getDownMachinesCount() == 0) {
                out.println("No machine is scheduled for maintenance.");
            } else {
                Table table = new Table("MACHINE", "MODE", "FRAMEWORK ANSWERS");
                for (ClusterStatus.DrainingMachine machine : status.getDrainingMachinesList()) {
                    String answers = machine.getStatusesList().stream()
                            .map(s -> s.getFrameworkId().getValue() + ":" + s.getStatus().name().toLowerCase(
                                    Locale.ROOT))
                            .collect(Collectors.joining(" "));
                    table.row(describe(machine.getId()), "draining", answers.isEmpty() ? "-" : answers);
                }
                for (MachineID machine : status.getDownMachinesList()) {
                    table.row(describe(machine), "down", "-");
                }
                table.print(out);
            }
            out.flush();
        }
    }
}
