package io.corral.cli.external;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One ZooKeeper server run the way its release runs it ({@code bin/zkServer.sh}): its own JVM, ZooKeeper's
 * {@code QuorumPeerMain} on a {@code zoo.cfg} (and, in an ensemble, a {@code myid} file) that this class writes. The
 * classpath is whatever server is under test: Maven Central's jars, or a Debian package's. Nothing of Corral runs in
 * it.
 *
 * <p>Not thread-safe: one test thread starts, probes and kills it.
 */
final class ZooKeeperServerProcess {
    private static final String MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain";
    private static final int PROBE_TIMEOUT_MS = 1_000;

    private final String name;
    private final String classpath;
    private final Path dir;
    private final int clientPort;
    private final Path log;
    private Process process;
    private boolean killedOnPurpose;

    /**
     * @param settings zoo.cfg lines beyond the data dir and client port (tick time, the {@code server.N} lines of an
     *                 ensemble...)
     * @param myid     this server's id in an ensemble, empty for a standalone server
     */
    ZooKeeperServerProcess(String name, String classpath, Path dir, int clientPort, Map<String, String> settings,
                           Optional<Integer> myid, Path log) throws IOException {
        this.name = name;
        this.classpath = classpath;
        this.dir = dir;
        this.clientPort = clientPort;
        this.log = log;
        Path data = Files.createDirectories(dir.resolve("data"));
        if (myid.isPresent()) {
            Files.writeString(data.resolve("myid"), myid.get() + "\n");
        }
        List<String> lines = new ArrayList<>(List.of(
                "dataDir=" + data,
                "clientPort=" + clientPort,
                "clientPortAddress=127.0.0.1",
                "admin.enableServer=false", // its Jetty would take port 8080, and the stock lib/ set leaves it out
                "4lw.commands.whitelist=srvr,mntr,ruok"));
        settings.forEach((key, value) -> lines.add(key + "=" + value));
        Files.write(dir.resolve("zoo.cfg"), lines);
        // The release's conf/logback.xml logs at INFO; without one Logback prints everything at DEBUG.
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
    }

    String name() {
        return name;
    }

    int clientPort() {
        return clientPort;
    }

    Path log() {
        return log;
    }

    /** Starts the server's JVM (again, after {@link #kill()}), appending to its log. */
    void start() throws IOException {
        killedOnPurpose = false;
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", // small and quick, as 2 cores want
                "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                "-Dzookeeper.log.dir=" + dir,
                "-cp", classpath, MAIN_CLASS, dir.resolve("zoo.cfg").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Started, not killed by the test, and gone anyway. */
    boolean crashed() {
        return process != null && !killedOnPurpose && !process.isAlive();
    }

    Optional<ProcessHandle> handle() {
        return Optional.ofNullable(process).map(Process::toHandle);
    }

    /** SIGKILL, as a crash would; returns once the process is gone. */
    void kill() throws InterruptedException {
        if (process != null) {
            killedOnPurpose = true;
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * What the server says it is ({@code leader}, {@code follower}, {@code standalone}); empty while it does not
     * serve (not started, or an ensemble member without a quorum).
     */
    Optional<String> mode() {
        return srvr("Mode: ");
    }

    /** The server's version as it reports it, e.g. "3.8.6-...", for test reports. */
    Optional<String> version() {
        return srvr("Zookeeper version: ");
    }

    /** One field of ZooKeeper's own {@code srvr} command's answer. */
    private Optional<String> srvr(String field) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", clientPort), PROBE_TIMEOUT_MS);
            socket.setSoTimeout(PROBE_TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> line.startsWith(field))
                    .map(line -> line.substring(field.length()).trim())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Stops the server within {@code grace} (SIGTERM, then SIGKILL). */
    void stop(Duration grace) throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
            }
        }
    }
}
