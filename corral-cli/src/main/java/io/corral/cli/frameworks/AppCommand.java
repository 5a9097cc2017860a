package io.corral.cli.frameworks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.cli.ClusterLocator;
import io.corral.cli.ClusterOptions;
import io.corral.cli.output.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral app}: the Services framework's apps ({@code docs/services.md}). Every subcommand finds the leading
 * Services process ({@link FrameworkApi}); the changes take {@code --wait} to follow their deployment to the end.
 */
@Command(name = "app", mixinStandardHelpOptions = true,
        description = "Long-running apps kept at N instances by the Services framework.",
        subcommands = {AppCommand.Deploy.class, AppCommand.ListApps.class, AppCommand.Show.class,
                AppCommand.Scale.class, AppCommand.Restart.class, AppCommand.Update.class, AppCommand.Rollback.class,
                AppCommand.Versions.class, AppCommand.Remove.class},
        footerHeading = "%nExamples:%n",
        footer = {"  corral app deploy --id web --cmd 'python3 -m http.server $PORT0' --ports 1 --instances 2 --wait",
                "  corral app scale web 5 --wait",
                "  corral app show web --json | jq '.tasks[].host'"})
public final class AppCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What every subcommand shares: how to reach Services, where to print. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        @Option(names = "--services", paramLabel = "URL",
                description = "A Services process's REST URL (any: a standby redirects). Default: $CORRAL_SERVICES,"
                        + " else the leader found in the cluster's ZooKeeper.")
        String servicesUrl;

        final PrintStream out = System.out;
        final PrintStream err = System.err;

        @Override
        public final Integer call() throws Exception {
            try {
                FrameworkApi api = FrameworkApi.locate(new ClusterLocator(), cluster, "services", servicesUrl,
                        "CORRAL_SERVICES", System::getenv);
                return run(api);
            } catch (FrameworkApi.RefusedException e) {
                err.println("corral app: " + e.getMessage());
                for (JsonNode field : e.body().path("errors")) {
                    err.println("  " + field.path("field").asText() + ": " + field.path("message").asText());
                }
                return 1;
            } catch (ClusterLocator.ClusterException e) {
                err.println("corral app: " + e.getMessage());
                return e.exitCode();
            } catch (DeploymentWait.FailedException e) {
                err.println("corral app: " + e.getMessage());
                return 1;
            }
        }

        abstract int run(FrameworkApi api) throws Exception;

        static String path(String id) {
            return "/v1/apps/" + (id.startsWith("/") ? id.substring(1) : id);
        }
    }

    /** The options of a change: wait for its deployment, or replace one in progress. */
    abstract static class Change extends Base {
        @Option(names = "--wait", description = "Follow the deployment (staged / running / healthy) until it is done;"
                + " exit 1 with the reason if it fails or stalls.")
        boolean wait;

        @Option(names = "--timeout", defaultValue = "10m", paramLabel = "DURATION",
                converter = io.corral.cli.DurationConverter.class,
                description = "With --wait: give up after this long (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--stall-timeout", defaultValue = "2m", paramLabel = "DURATION",
                converter = io.corral.cli.DurationConverter.class,
                description = "With --wait: give up when nothing progressed for this long (default: ${DEFAULT-VALUE}).")
        Duration stallTimeout;

        @Option(names = "--max-failures", defaultValue = "3", paramLabel = "N",
                description = "With --wait: the deployment failed once N instances ended on their own"
                        + " (default: ${DEFAULT-VALUE}).")
        int maxFailures;

        @Option(names = "--force", description = "Replace a deployment in progress instead of refusing (409).")
        boolean force;

        @Option(names = "--json", description = "Print the server's answer as JSON.")
        boolean json;

        String query() {
            return force ? "?force=true" : "";
        }

        /** Prints the answer, then waits for the deployment when asked. */
        int finish(FrameworkApi api, JsonNode result, String verb) throws InterruptedException {
            if (json) {
                out.println(result);
            } else {
                out.println(verb + " " + result.path("id").asText() + ": version " + result.path("version").asText()
                        + ", deployment " + result.path("deployment_id").asText());
            }
            out.flush();
            if (wait) {
                new DeploymentWait(DeploymentWait.Source.of(api), err,
                        new DeploymentWait.Limits(timeout, stallTimeout, maxFailures), DeploymentWait.Clock.SYSTEM)
                        .await(result.path("id").asText(), result.path("deployment_id").asText());
            }
            return 0;
        }
    }

    /** The flags that describe an app, for deploy and update. */
    static final class DefinitionFlags {
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The app definition as JSON"
                + " (docs/services.md); flags given as well override its fields.")
        Path file;

        @Option(names = "--cmd", paramLabel = "COMMAND", description = "Shell command of each instance.")
        String cmd;

        @Option(names = "--instances", paramLabel = "N", description = "Instance count (default 1).")
        Integer instances;

        @Option(names = "--cpus", paramLabel = "C", description = "CPUs per instance (default 0.1).")
        Double cpus;

        @Option(names = "--mem", paramLabel = "MB", description = "Memory per instance in MB (default 32).")
        Double mem;

        @Option(names = "--disk", paramLabel = "MB", description = "Disk per instance in MB (default 0).")
        Double disk;

        @Option(names = "--gpus", paramLabel = "N", description = "GPUs per instance (default 0).")
        Integer gpus;

        @Option(names = "--ports", paramLabel = "N", description = "Ports per instance, as $PORT0, $PORT1...")
        Integer ports;

        @Option(names = "--image", paramLabel = "REF", description = "Run in this container image.")
        String image;

        @Option(names = "--user", paramLabel = "USER", description = "Run instances as this user.")
        String user;

        @Option(names = "--executor", paramLabel = "COMMAND",
                description = "Run each instance under this custom executor (a shell command starting a Mesos v1"
                        + " executor); --cmd then reaches it as the task's data. Its resources: -f with"
                        + " executor.cpus/mem (default 0.1 cpus, 32 MB).")
        String executor;

        @Option(names = "--env", paramLabel = "NAME=VALUE", description = "An environment variable (repeatable).")
        Map<String, String> env;

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label (repeatable).")
        Map<String, String> labels;

        @Option(names = "--constraint", paramLabel = "FIELD:OP[:VALUE]",
                description = "A placement constraint, e.g. hostname:UNIQUE, rack:GROUP_BY:3 (repeatable).")
        List<String> constraints;

        /** The JSON fields these flags give (the file's first). */
        ObjectNode json() throws IOException {
            ObjectNode app = file != null ? (ObjectNode) JSON.readTree(Files.readString(file)) : JSON.createObjectNode();
            if (cmd != null) {
                app.put("cmd", cmd);
            }
            if (instances != null) {
                app.put("instances", instances);
            }
            if (cpus != null) {
                app.put("cpus", cpus);
            }
            if (mem != null) {
                app.put("mem", mem);
            }
            if (disk != null) {
                app.put("disk", disk);
            }
            if (gpus != null) {
                app.put("gpus", gpus);
            }
            if (ports != null) {
                app.put("ports", ports);
            }
            if (image != null) {
                app.putObject("container").putObject("docker").put("image", image);
            }
            if (user != null) {
                app.put("user", user);
            }
            if (executor != null) {
                ObjectNode e = app.has("executor") && app.get("executor").isObject() ? (ObjectNode) app.get("executor")
                        : app.putObject("executor");
                e.put("cmd", executor);
            }
            if (env != null) {
                ObjectNode e = app.has("env") && app.get("env").isObject() ? (ObjectNode) app.get("env")
                        : app.putObject("env");
                env.forEach(e::put);
            }
            if (labels != null) {
                ObjectNode l = app.has("labels") && app.get("labels").isObject() ? (ObjectNode) app.get("labels")
                        : app.putObject("labels");
                labels.forEach(l::put);
            }
            if (constraints != null) {
                ArrayNode list = app.putArray("constraints");
                for (String c : constraints) {
                    ArrayNode parts = list.addArray();
                    for (String part : c.split(":", 3)) {
                        parts.add(part);
                    }
                }
            }
            return app;
        }
    }

    @Command(name = "deploy", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Create an app and start its instances.")
    static final class Deploy extends Change {
        @Option(names = "--id", paramLabel = "ID", description = "The app's id, e.g. web or prod/web.")
        String id;

        @Mixin
        DefinitionFlags definition = new DefinitionFlags();

        @Override
        int run(FrameworkApi api) throws Exception {
            ObjectNode app = definition.json();
            if (id != null) {
                app.put("id", id);
            }
            return finish(api, api.send("POST", "/v1/apps", app), "Deployed");
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Change an app: the fields given replace the current ones; a new version, rolled out.")
    static final class Update extends Change {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Mixin
        DefinitionFlags definition = new DefinitionFlags();

        @Override
        int run(FrameworkApi api) throws Exception {
            return finish(api, api.send("PUT", path(id) + query(), definition.json()), "Updated");
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true, description = "Set an app's instance count.")
    static final class Scale extends Change {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Parameters(index = "1", paramLabel = "N")
        int instances;

        @Override
        int run(FrameworkApi api) throws Exception {
            return finish(api, api.send("POST", path(id) + "/scale" + query(),
                    JSON.createObjectNode().put("instances", instances)), "Scaled");
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Replace every instance, rolling, as the upgrade strategy allows.")
    static final class Restart extends Change {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        int run(FrameworkApi api) throws Exception {
            return finish(api, api.send("POST", path(id) + "/restart" + query(), null), "Restarting");
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Go back to a previous version (default: the one before the current), as a new version.")
    static final class Rollback extends Change {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--version", paramLabel = "V", description = "The version to go back to (`corral app versions`).")
        Long version;

        @Override
        int run(FrameworkApi api) throws Exception {
            ObjectNode body = JSON.createObjectNode();
            if (version != null) {
                body.put("version", version);
            }
            return finish(api, api.send("POST", path(id) + "/rollback" + query(), body), "Rolling back");
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Kill every instance of an app, then forget it.")
    static final class Remove extends Base {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--wait", description = "Wait until the app is gone.")
        boolean wait;

        @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION",
                converter = io.corral.cli.DurationConverter.class,
                description = "With --wait: give up after this long (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        int run(FrameworkApi api) throws Exception {
            api.send("DELETE", path(id), null);
            out.println("Removing " + id);
            out.flush();
            if (wait) {
                DeploymentWait.Clock clock = DeploymentWait.Clock.SYSTEM;
                long deadline = clock.nanoTime() + timeout.toNanos();
                while (true) {
                    try {
                        api.get(path(id));
                    } catch (FrameworkApi.RefusedException e) {
                        if (e.status() == 404) {
                            out.println("Removed " + id);
                            return 0;
                        }
                        throw e;
                    }
                    if (clock.nanoTime() > deadline) {
                        throw new DeploymentWait.FailedException("app " + id + " still exists after " + timeout);
                    }
                    clock.pause(DeploymentWait.POLL);
                }
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "The apps: ID, VERSION, RUNNING of INSTANCES, HEALTHY, DEPLOYMENT.")
    static final class ListApps extends Base {
        @Option(names = "--json", description = "Print the apps as a JSON array.")
        boolean json;

        @Override
        int run(FrameworkApi api) throws Exception {
            JsonNode apps = api.get("/v1/apps").path("apps");
            if (json) {
                out.println(apps);
            } else if (apps.isEmpty()) {
                out.println("No apps.");
            } else {
                Table table = new Table("ID", "VERSION", "RUNNING", "HEALTHY", "UNREACHABLE", "DEPLOYMENT");
                for (JsonNode app : apps) {
                    JsonNode counts = app.path("counts");
                    JsonNode d = app.path("deployment");
                    table.row(app.path("id").asText(), app.path("version").asText(),
                            counts.path("running").asInt() + "/" + counts.path("target").asInt(),
                            app.path("healthChecks").isEmpty() ? "-" : counts.path("healthy").asText(),
                            counts.path("unreachable").asInt(),
                            d.isMissingNode() || d.isNull() ? "-" : d.path("kind").asText().toLowerCase()
                                    + " (" + d.path("state").asText() + ")");
                }
                table.print(out);
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "An app, its deployment and its tasks.")
    static final class Show extends Base {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--json", description = "Print the app as JSON, with its tasks (id, agent_id, host, state,"
                + " healthy).")
        boolean json;

        @Override
        int run(FrameworkApi api) throws Exception {
            JsonNode app = api.get(path(id));
            if (json) {
                out.println(app);
                out.flush();
                return 0;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("id", app.path("id").asText());
            fields.put("version", app.path("version").asText() + " (" + app.path("versionTime").asText() + ")");
            fields.put("command", app.has("cmd") ? app.path("cmd").asText() : app.path("args").toString());
            fields.put("instances", app.path("counts").path("running").asInt() + " running of "
                    + app.path("instances").asInt());
            fields.put("resources", "cpus " + app.path("cpus").asText() + ", mem " + app.path("mem").asText()
                    + " MB, disk " + app.path("disk").asText() + " MB, ports " + app.path("ports").asText());
            JsonNode d = app.path("deployment");
            fields.put("deployment", d.isMissingNode() || d.isNull() ? "none" : d.path("kind").asText() + " to version "
                    + d.path("to_version").asText() + ": " + d.path("state").asText()
                    + (d.hasNonNull("reason") ? " (" + d.path("reason").asText() + ")" : ""));
            if (app.hasNonNull("last_failure")) {
                fields.put("last failure", app.path("last_failure").asText());
            }
            fields.forEach((k, v) -> out.printf("%-12s %s%n", k + ":", v));
            Table tasks = new Table("TASK", "HOST", "STATE", "HEALTHY", "VERSION", "PORTS");
            for (JsonNode t : app.path("tasks")) {
                List<String> ports = new ArrayList<>();
                t.path("ports").forEach(p -> ports.add(p.asText()));
                tasks.row(t.path("id").asText(), t.path("host").asText(), t.path("state").asText(),
                        t.hasNonNull("healthy") ? t.path("healthy").asText() : "-", t.path("version").asText(),
                        ports.isEmpty() ? "-" : String.join(",", ports));
            }
            out.println();
            tasks.print(out);
            out.flush();
            return 0;
        }
    }

    @Command(name = "versions", mixinStandardHelpOptions = true, description = "An app's stored versions, newest first.")
    static final class Versions extends Base {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--json", description = "Print the versions (whole definitions) as a JSON array.")
        boolean json;

        @Override
        int run(FrameworkApi api) throws Exception {
            JsonNode versions = api.get(path(id) + "/versions").path("versions");
            if (json) {
                out.println(versions);
            } else {
                Table table = new Table("VERSION", "TIME", "INSTANCES", "COMMAND");
                for (JsonNode v : versions) {
                    table.row(v.path("version").asText(), v.path("versionTime").asText(), v.path("instances").asText(),
                            v.has("cmd") ? v.path("cmd").asText() : v.path("args").toString());
                }
                table.print(out);
            }
            out.flush();
            return 0;
        }
    }
}
