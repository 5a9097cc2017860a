package io.corral.cli;

import io.corral.agent.AgentServer;
import io.corral.agent.AgentTls;
import io.corral.agent.containerizer.IsolationOptions;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.protocol.tls.ClientTls;
import io.corral.zookeeper.ZkUrl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corral agent}: one agent process. It finds the leading master through ZooKeeper, registers its resources,
 * runs the tasks it is given as OS processes, and re-registers with the same id when the leader changes.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run an agent: register with the leading master and run tasks as OS processes.")
public final class AgentCommand implements Callable<Integer> {

    @Option(names = "--zk", required = true, paramLabel = "URL", converter = ZkUrlConverter.class,
            description = "ZooKeeper ensemble and root path of the masters, e.g. zk://127.0.0.1:2181/corral.")
    ZkUrl zk;

    @Option(names = "--port", defaultValue = "5051", paramLabel = "PORT",
            description = "HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--hostname", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Name or IPv4 address the master and frameworks reach this agent at"
                    + " (default: ${DEFAULT-VALUE}).")
    String hostname;

    @Option(names = "--bind", paramLabel = "ADDRESS",
            description = "Address the HTTP server binds to (default: the address of --hostname; 0.0.0.0 for all).")
    String bind;

    @Option(names = "--work-dir", required = true, paramLabel = "DIR",
            description = "Where the agent keeps its id and the tasks' sandboxes.")
    Path workDir;

    @Option(names = "--resources", paramLabel = "RESOURCES",
            description = "Resources to offer, in Mesos's form, e.g. 'cpus:4;mem:8192;disk:10000;ports:[31000-32000]'"
                    + " (default: detected from this machine).")
    String resources;

    @Option(names = "--attributes", paramLabel = "ATTRIBUTES",
            description = "This agent's attributes, in Mesos's form, e.g. 'rack:r1;zone:us-east-1a;cores:8': shown to"
                    + " frameworks in offers (placement constraints such as Services' CLUSTER, LIKE, GROUP_BY) and to"
                    + " operators in /master/state. Default: none.")
    String attributes;

    @Option(names = "--zk-session-timeout", defaultValue = "2secs", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "ZooKeeper session timeout: how soon the leader learns that this agent died or hung,"
                    + " through its presence znode (default: ${DEFAULT-VALUE}).")
    Duration zkSessionTimeout;

    @Option(names = "--kill-tasks-on-stop", defaultValue = "false",
            description = "Kill running tasks when the agent is stopped with SIGTERM (used by `corral local`)."
                    + " Without it they keep running while the agent is down, and an agent started again with the same"
                    + " work dir recovers them.")
    boolean killTasksOnStop;

    @Option(names = "--isolation", split = ",", paramLabel = "ISOLATORS",
            description = "Isolators, comma-separated, as Mesos names them: cgroups/cpu (cpu shares and CFS quota"
                    + " from each task's cpus), cgroups/mem (memory limit from mem; OOM kills end TASK_FAILED),"
                    + " cgroups/pids (--container-pids-limit), disk/du (a task whose sandbox outgrows its disk is"
                    + " killed), gpu/nvidia (offers the machine's NVIDIA GPUs as gpus and gives each task its own:"
                    + " the others are denied in its cgroup v1 devices controller, NVIDIA_VISIBLE_DEVICES names"
                    + " its GPUs), filesystem/linux,namespaces/pid,docker/runtime (tasks with a container image run in"
                    + " it, in namespaces of their own: see --image-providers). cgroups/* need root and writable"
                    + " cgroups (v1 or v2) and also track each task's processes in a freezer cgroup, so kills reach"
                    + " all of them. Default: none, processes only.")
    java.util.List<String> isolation = java.util.List.of();

    @Option(names = "--nvidia-gpu-devices", split = ",", paramLabel = "INDICES",
            description = "gpu/nvidia: which GPUs to offer, by nvidia-smi index, e.g. 0,1 (Mesos's"
                    + " --nvidia_gpu_devices); needs gpus:N with as many in --resources. Default: every GPU.")
    java.util.List<Integer> nvidiaGpuDevices;

    @Option(names = "--image-providers", split = ",", paramLabel = "PROVIDERS",
            description = "Container image providers (Mesos's --image_providers): docker runs tasks whose"
                    + " ContainerInfo (type MESOS) has a DOCKER image in it, pulled from its registry by the agent"
                    + " (no Docker daemon); needs root and --isolation filesystem/linux,docker/runtime"
                    + " (and namespaces/pid). Default: none.")
    java.util.List<String> imageProviders = java.util.List.of();

    @Option(names = "--docker-registry-insecure", split = ",", paramLabel = "HOST:PORT",
            description = "Registries spoken to over plain HTTP instead of HTTPS (a registry on loopback, a lab)."
                    + " Default: none.")
    java.util.Set<String> insecureRegistries = java.util.Set.of();

    @Option(names = "--image-max-size", defaultValue = "8589934592", paramLabel = "BYTES",
            description = "The most one image layer may download to, and the most an image may unpack to"
                    + " (default: ${DEFAULT-VALUE}).")
    long imageMaxSize;

    @Option(names = "--container-pids-limit", defaultValue = "4096", paramLabel = "N",
            description = "cgroups/pids: the most processes and threads one container may have"
                    + " (default: ${DEFAULT-VALUE}).")
    long containerPidsLimit;

    @Option(names = "--container-disk-watch-interval", defaultValue = "15secs", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "disk/du: how often each sandbox's usage is measured (Mesos's"
                    + " --container_disk_watch_interval; default: ${DEFAULT-VALUE}).")
    Duration containerDiskWatchInterval;

    @Option(names = "--switch-user", defaultValue = "true", negatable = true, fallbackValue = "true", arity = "0..1",
            description = "When the agent runs as root, run each task as its CommandInfo.user, else its"
                    + " framework's user (root only when that is 'root'), as Mesos's --switch_user does;"
                    + " --no-switch-user runs every task as root (default: ${DEFAULT-VALUE}).")
    boolean switchUser;

    @Option(names = "--executor-registration-timeout", defaultValue = "1mins", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long a custom executor may take to subscribe after it starts, or to subscribe again"
                    + " after an agent restart, before it is destroyed and its tasks fail (Mesos's"
                    + " --executor_registration_timeout; default: ${DEFAULT-VALUE}).")
    Duration executorRegistrationTimeout;

    @Option(names = "--credential", paramLabel = "FILE",
            description = "The principal and secret this agent authenticates to the masters with, in Mesos's"
                    + " format: {\"principal\": \"agent\", \"secret\": \"...\"}.")
    Path credentialFile;

    @Option(names = "--http-credentials", paramLabel = "FILE",
            description = "Who may call this agent's endpoints (sandbox files, state, operator API, metrics), in"
                    + " Mesos's --credentials JSON format; executors use tokens the agent gives them.")
    Path httpCredentialsFile;

    @Option(names = "--acls", paramLabel = "FILE",
            description = "Who may see and read what on this agent, in Mesos's --acls JSON format: access_sandboxes"
                    + " (the sandbox files, by the user a task runs as), view_frameworks, view_executors, view_tasks"
                    + " (/state and the operator API leave out the rest), view_flags. Default: every authenticated"
                    + " principal may see everything.")
    Path aclsFile;

    @Option(names = {"--rate-limits", "--rate_limits"}, paramLabel = "FILE",
            description = "Each principal's request rate, connections and streams on this agent's endpoints, as"
                    + " the master's --rate-limits (Mesos's --rate_limits JSON plus max_connections, max_streams,"
                    + " default_max_connections, default_max_streams). Over the limit: 429 with Retry-After."
                    + " Default: no rate limit. The executor API is never throttled.")
    Path rateLimitsFile;

    @Option(names = "--token-key", paramLabel = "FILE",
            description = "The masters' --token-key file: this agent's endpoints (sandbox files for `corral logs`,"
                    + " state) then accept the bearer tokens they issue. Default: HTTP Basic only.")
    Path tokenKeyFile;

    @Option(names = "--insecure",
            description = "Talk to masters that authenticate nobody (masters started --insecure), and serve this"
                    + " agent's endpoints to anyone.")
    boolean insecure;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    TlsOptions tls = new TlsOptions();

    @picocli.CommandLine.Mixin
    ZkTlsOptions zkTls = new ZkTlsOptions();

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "Speak HTTPS to the masters, trusting only the CAs in this PEM bundle (and checking that a"
                    + " master's certificate names its host). Default: plain HTTP, or, with --tls-cert, HTTPS"
                    + " trusting the JDK's CAs.")
    Path tlsCa;

    @Option(names = "--gc-delay", defaultValue = "1weeks", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long the sandbox of an ended task or executor is kept before it is deleted (Mesos's"
                    + " --gc_delay; the cluster setting gc_delay, once set, overrides it; default: ${DEFAULT-VALUE}).")
    Duration gcDelay;

    @Option(names = "--gc-disk-headroom", defaultValue = "0.1", paramLabel = "FRACTION",
            description = "Sandboxes go sooner as the disk fills: kept at most gc-delay x max(0, 1 - headroom - disk"
                    + " usage) (Mesos's --gc_disk_headroom, 0.0 to 1.0; default: ${DEFAULT-VALUE}).")
    double gcDiskHeadroom;

    @Option(names = "--disk-watermark-interval", defaultValue = "1mins", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How often the disk usage is checked for the above (Mesos's --disk_watermark_interval;"
                    + " default: ${DEFAULT-VALUE}).")
    Duration diskWatermarkInterval;

    @Option(names = "--fetcher-cache-size", defaultValue = "2147483648", paramLabel = "BYTES",
            description = "Size of the cache of URIs fetched with cache: true, in <work-dir>/fetch-cache (Mesos's"
                    + " --fetcher_cache_size; default: ${DEFAULT-VALUE}, 2 GB).")
    long fetcherCacheSize;

    @Option(names = "--fetcher-timeout", defaultValue = "10mins", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "The longest one URI may take to download (default: ${DEFAULT-VALUE}).")
    Duration fetcherTimeout;

    @Option(names = "--fetcher-max-size", defaultValue = "10737418240", paramLabel = "BYTES",
            description = "The largest file the fetcher downloads, and the most an archive may unpack to"
                    + " (default: ${DEFAULT-VALUE}, 10 GB).")
    long fetcherMaxSize;

    @Option(names = "--container-logger-max-size", defaultValue = "10485760", paramLabel = "BYTES",
            description = "A task's stdout or stderr is rotated when it grows past this size (Mesos's logrotate"
                    + " container logger; default: ${DEFAULT-VALUE}, 10 MB).")
    long containerLoggerMaxSize;

    @Option(names = "--container-logger-max-files", defaultValue = "5", paramLabel = "N",
            description = "Rotated copies kept per stream (stdout.1 newest ... stdout.N); default: ${DEFAULT-VALUE}."
                    + " A stream then uses at most max-size x (N + 1) bytes.")
    int containerLoggerMaxFiles;

    private io.corral.agent.containerizer.LogRotation.Policy containerLogger() {
        try {
            return new io.corral.agent.containerizer.LogRotation.Policy(containerLoggerMaxSize,
                    containerLoggerMaxFiles, io.corral.agent.containerizer.LogRotation.Policy.DEFAULT_INTERVAL);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * The isolation flags, the GPU flags checked against each other and the machine and the image flags against the
     * isolators, before anything starts.
     */
    IsolationOptions isolationOptions() throws java.io.IOException {
        try {
            IsolationOptions options = new IsolationOptions(isolation, containerPidsLimit, containerDiskWatchInterval,
                    switchUser, new io.corral.agent.image.ImageOptions(imageProviders, insecureRegistries,
                            imageMaxSize, Duration.ofMinutes(10)));
            if (nvidiaGpuDevices != null) {
                options = options.withNvidiaGpuDevices(nvidiaGpuDevices);
            }
            options.gpus(resources);
            return options;
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private AgentTls agentTls() {
        try {
            return new AgentTls(tls.server(spec.commandLine()), ClientTls.fromFlag(tlsCa), Optional.ofNullable(tlsCa));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private java.util.List<org.apache.mesos.v1.Protos.Attribute> parsedAttributes() {
        if (attributes == null) {
            return java.util.List.of();
        }
        try {
            return io.corral.protocol.resources.AgentAttributes.parse(attributes);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage() + " (--attributes)");
        }
    }

    @Override
    public Integer call() throws Exception {
        Optional<Credential> credential = SecurityOptions.credential(spec.commandLine(), credentialFile, insecure,
                "agent");
        Optional<Credentials> httpCredentials = SecurityOptions.credentials(spec.commandLine(), httpCredentialsFile,
                insecure, "agent", "--http-credentials");
        SecurityOptions.requireZkCredentials(spec.commandLine(), this.zk, insecure, "agent");
        ZkUrl zk = zkTls.apply(spec.commandLine(), this.zk);
        AgentServer.Options options = new AgentServer.Options(zk, hostname, bind != null ? bind : hostname, port,
                workDir.toAbsolutePath(), resources, zkSessionTimeout, Duration.ofSeconds(45),
                isolationOptions(),
                executorRegistrationTimeout, new AgentServer.SandboxOptions(gcDelay, gcDiskHeadroom,
                        diskWatermarkInterval, fetcherCacheSize, fetcherTimeout, fetcherMaxSize,
                        containerLogger()),
                new AgentServer.Security(credential, httpCredentials,
                        SecurityOptions.acls(spec.commandLine(), aclsFile),
                        SecurityOptions.rateLimits(spec.commandLine(), rateLimitsFile),
                        SecurityOptions.tokens(spec.commandLine(), tokenKeyFile, httpCredentials)), agentTls(),
                parsedAttributes());
        AgentServer server = AgentServer.start(options);
        CountDownLatch done = new CountDownLatch(1);
        var settings = LiveSettings.forAgent(server, server.zookeeper(), zk.rootPath());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            BoundedShutdown.run("agent", () -> {
                settings.close();
                if (killTasksOnStop) {
                    server.stop(true);
                } else {
                    server.stopForRestart();
                }
            });
            done.countDown();
        }, "agent-shutdown"));
        done.await();
        return 0;
    }
}
