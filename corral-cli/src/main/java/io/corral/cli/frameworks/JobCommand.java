package io.corral.cli.frameworks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.cli.ClusterLocator;
import io.corral.cli.ClusterOptions;
import io.corral.cli.DurationConverter;
import io.corral.cli.output.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral job ...}: the Jobs framework's client (docs/jobs.md). Each subcommand finds the leading Jobs process
 * through the cluster's ZooKeeper (or takes {@code --jobs URL}) and speaks its REST API.
 */
@Command(name = "job", mixinStandardHelpOptions = true,
        description = "Create, run, list, show and remove jobs of the Jobs framework (`corral jobs` processes).",
        subcommands = {JobCommand.Create.class, JobCommand.RunNow.class, JobCommand.ListJobs.class,
                JobCommand.Show.class, JobCommand.History.class, JobCommand.Remove.class},
        footerHeading = "%nExamples:%n",
        footer = {
                "  corral job create --id report --cmd './report.sh' --schedule '0 6 * * 1-5' --tz Europe/Paris",
                "  corral job run report && corral job history report",
                "  corral job list --json"})
public final class JobCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int EXIT_USAGE = ClusterLocator.EXIT_USAGE;
    static final int EXIT_FAILED = ClusterLocator.EXIT_UNREACHABLE;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** What every subcommand shares: where the cluster and the Jobs framework are. */
    abstract static class JobsClientCommand implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        @Option(names = "--jobs", paramLabel = "URL",
                description = "A Jobs process's REST API, e.g. http://127.0.0.1:8091 (a standby redirects to the"
                        + " leader). Default: $CORRAL_JOBS, else the leader found in the cluster's ZooKeeper.")
        String jobsUrl;

        final PrintStream out() {
            return System.out;
        }

        final PrintStream err() {
            return System.err;
        }

        @Override
        public final Integer call() throws InterruptedException {
            try {
                FrameworkApi api = FrameworkApi.locate(new ClusterLocator(), cluster, "jobs", jobsUrl, "CORRAL_JOBS",
                        System::getenv);
                return run(api);
            } catch (FrameworkApi.RefusedException e) {
                err().println("corral job " + name() + ": " + e.getMessage());
                for (JsonNode field : e.body().path("errors")) {
                    err().println("  " + field.path("field").asText() + ": " + field.path("message").asText());
                }
                // what the user must fix (a definition, a body) is a usage error, as in the other commands
                return e.status() == 400 || e.status() == 413 || e.status() == 422 ? EXIT_USAGE : EXIT_FAILED;
            } catch (ClusterLocator.ClusterException e) {
                err().println("corral job " + name() + ": " + e.getMessage());
                return e.exitCode();
            }
        }

        abstract String name();

        abstract int run(FrameworkApi api) throws InterruptedException;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a job from flags or from a JSON definition (-f; the fields of docs/jobs.md).")
    static final class Create extends JobsClientCommand {
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The job's JSON definition.")
        Path file;

        @Option(names = "--id", paramLabel = "ID", description = "The job's id (letters, digits, '.', '_', '-').")
        String id;

        @Option(names = "--cmd", paramLabel = "CMD", description = "The shell command line to run.")
        String cmd;

        @Option(names = "--schedule", paramLabel = "CRON",
                description = "A 5-field cron expression, e.g. '0 * * * *' (default: run on demand only).")
        String schedule;

        @Option(names = "--tz", paramLabel = "ZONE", description = "The schedule's IANA time zone (default UTC).")
        String timezone;

        @Option(names = "--cpus", paramLabel = "N", description = "CPUs per run (default 0.1).")
        Double cpus;

        @Option(names = "--mem", paramLabel = "MB", description = "Memory per run in MB (default 32).")
        Double mem;

        @Option(names = "--disk", paramLabel = "MB", description = "Disk per run in MB (default 0).")
        Double disk;

        @Option(names = "--image", paramLabel = "REF", description = "Run in this container image.")
        String image;

        @Option(names = "--user", paramLabel = "USER", description = "Run as this user.")
        String user;

        @Option(names = "--env", paramLabel = "NAME=VALUE", description = "An environment variable (repeatable).")
        Map<String, String> env;

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label (repeatable).")
        Map<String, String> labels;

        @Option(names = "--retries", paramLabel = "N", description = "Attempts after a failed one (default 0).")
        Integer retries;

        @Option(names = "--retry-delay", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Wait before the first retry, doubled for each next one (default 1secs).")
        Duration retryDelay;

        @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Kill an attempt running longer, e.g. 10mins (default: no limit).")
        Duration timeout;

        @Option(names = "--concurrency", paramLabel = "POLICY",
                description = "When a run is due while another is active: allow, forbid (default) or replace.")
        String concurrency;

        @Override
        String name() {
            return "create";
        }

        @Override
        int run(FrameworkApi client) throws InterruptedException {
            ObjectNode definition;
            try {
                definition = definition();
            } catch (IOException | IllegalArgumentException e) {
                err().println("corral job create: " + e.getMessage());
                return EXIT_USAGE;
            }
            JsonNode created = client.send("POST", "/v1/jobs", definition);
            out().println("Created job " + created.path("id").asText() + ": " + describeSchedule(created));
            return 0;
        }

        private ObjectNode definition() throws IOException {
            ObjectNode json;
            if (file != null) {
                JsonNode read = JSON.readTree(Files.readString(file));
                if (read == null || !read.isObject()) {
                    throw new IllegalArgumentException(file + " does not hold a JSON object");
                }
                json = (ObjectNode) read;
            } else {
                json = JSON.createObjectNode();
            }
            put(json, "id", id);
            put(json, "cmd", cmd);
            put(json, "schedule", schedule);
            put(json, "timezone", timezone);
            if (cpus != null) {
                json.put("cpus", cpus);
            }
            if (mem != null) {
                json.put("mem", mem);
            }
            if (disk != null) {
                json.put("disk", disk);
            }
            put(json, "image", image);
            put(json, "user", user);
            if (env != null) {
                env.forEach(json.withObject("/env")::put);
            }
            if (labels != null) {
                labels.forEach(json.withObject("/labels")::put);
            }
            if (retries != null) {
                json.put("retries", retries);
            }
            if (retryDelay != null) {
                json.put("retry_delay_seconds", retryDelay.toMillis() / 1000.0);
            }
            if (timeout != null) {
                json.put("timeout_seconds", timeout.toMillis() / 1000.0);
            }
            put(json, "concurrency", concurrency);
            if (file == null && (id == null || cmd == null)) {
                throw new IllegalArgumentException("give --id and --cmd (or -f job.json)");
            }
            return json;
        }

        private static void put(ObjectNode json, String field, String value) {
            if (value != null) {
                json.put(field, value);
            }
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run a job now.")
    static final class RunNow extends JobsClientCommand {
        @Parameters(paramLabel = "ID", description = "The job.")
        String id;

        @Option(names = "--json", description = "Print the new run as JSON.")
        boolean json;

        @Override
        String name() {
            return "run";
        }

        @Override
        int run(FrameworkApi client) throws InterruptedException {
            JsonNode run = client.send("POST", "/v1/jobs/" + id + "/runs", null);
            if (json) {
                out().println(run);
            } else {
                out().println("Run " + run.path("id").asText() + " of job " + id + " " + run.path("state").asText()
                        + " (corral job history " + id + " follows it)");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the jobs.")
    static final class ListJobs extends JobsClientCommand {
        @Option(names = "--json", description = "Print the jobs as the REST API has them (a JSON array).")
        boolean json;

        @Override
        String name() {
            return "list";
        }

        @Override
        int run(FrameworkApi client) throws InterruptedException {
            JsonNode jobs = client.send("GET", "/v1/jobs", null);
            if (json) {
                out().println(jobs);
                return 0;
            }
            if (jobs.isEmpty()) {
                out().println("No jobs.");
                return 0;
            }
            Table table = new Table("ID", "SCHEDULE", "NEXT RUN", "ACTIVE", "LAST RUN", "EXIT");
            for (JsonNode job : jobs) {
                JsonNode last = job.path("last_run");
                table.row(job.path("id").asText(), describeSchedule(job), job.path("next_run_at").asText("-"),
                        job.path("active_runs").size(),
                        last.isObject() ? last.path("id").asText() + " " + last.path("state").asText() : "-",
                        last.path("exit_code").isNumber() ? last.path("exit_code").asText() : "-");
            }
            table.print(out());
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a job and its active runs.")
    static final class Show extends JobsClientCommand {
        @Parameters(paramLabel = "ID", description = "The job.")
        String id;

        @Option(names = "--json", description = "Print the job as the REST API has it.")
        boolean json;

        @Override
        String name() {
            return "show";
        }

        @Override
        int run(FrameworkApi client) throws InterruptedException {
            JsonNode job = client.send("GET", "/v1/jobs/" + id, null);
            if (json) {
                out().println(job);
                return 0;
            }
            Map<String, String> lines = new LinkedHashMap<>();
            lines.put("id", job.path("id").asText());
            lines.put("command", job.has("cmd") ? job.path("cmd").asText() : job.path("args").toString());
            if (job.hasNonNull("image")) {
                lines.put("image", job.path("image").asText());
            }
            lines.put("resources", "cpus " + job.path("cpus").asText() + ", mem " + job.path("mem").asText()
                    + " MB, disk " + job.path("disk").asText() + " MB");
            lines.put("schedule", describeSchedule(job));
            if (job.hasNonNull("next_run_at")) {
                lines.put("next run", job.path("next_run_at").asText());
            }
            lines.put("retries", job.path("retries").asText() + " (first after "
                    + job.path("retry_delay_seconds").asText() + " s, at most "
                    + job.path("max_retry_delay_seconds").asText() + " s apart)");
            lines.put("timeout", job.hasNonNull("timeout_seconds") ? job.path("timeout_seconds").asText() + " s"
                    : "none");
            lines.put("concurrency", job.path("concurrency").asText());
            JsonNode last = job.path("last_run");
            lines.put("last run", last.isObject() ? last.path("id").asText() + " " + last.path("state").asText()
                    + (last.path("exit_code").isNumber() ? " (exit " + last.path("exit_code").asText() + ")" : "")
                    : "none");
            lines.forEach((key, value) -> out().printf("%-12s %s%n", key + ":", value));
            JsonNode active = job.path("active_runs");
            if (!active.isEmpty()) {
                out().println();
                runsTable(active).print(out());
            }
            return 0;
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "A job's runs, newest first: state, exit code, attempt, times, host and task.")
    static final class History extends JobsClientCommand {
        @Parameters(paramLabel = "ID", description = "The job.")
        String id;

        @Option(names = "--json", description = "Print the runs as the REST API has them (a JSON array).")
        boolean json;

        @Override
        String name() {
            return "history";
        }

        @Override
        int run(FrameworkApi client) throws InterruptedException {
            JsonNode runs = client.send("GET", "/v1/jobs/" + id + "/runs", null);
            if (json) {
                out().println(runs);
            } else if (runs.isEmpty()) {
                out().println("No runs of job " + id + " yet.");
            } else {
                runsTable(runs).print(out());
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a job; its running tasks are killed.")
    static final class Remove extends JobsClientCommand {
        @Parameters(paramLabel = "ID", description = "The job.")
        String id;

        @Override
        String name() {
            return "remove";
        }

        @Override
        int run(FrameworkApi client) throws InterruptedException {
            client.send("DELETE", "/v1/jobs/" + id, null);
            out().println("Removed job " + id);
            return 0;
        }
    }

    static Table runsTable(JsonNode runs) {
        Table table = new Table("RUN", "STATE", "EXIT", "ATTEMPT", "SCHEDULED", "STARTED", "ENDED", "HOST", "TASK");
        for (JsonNode run : runs) {
            table.row(run.path("id").asText(), run.path("state").asText(),
                    run.path("exit_code").isNumber() ? run.path("exit_code").asText() : "-",
                    run.path("attempt").asText(), run.path("scheduled_at").asText("-"),
                    run.path("started_at").asText("-"), run.path("ended_at").asText("-"),
                    run.path("host").asText("-"), run.path("task_id").asText("-"));
        }
        return table;
    }

    static String describeSchedule(JsonNode job) {
        if (!job.hasNonNull("schedule")) {
            return "on demand";
        }
        return job.path("schedule").asText() + " (" + job.path("timezone").asText("UTC") + ")";
    }
}
