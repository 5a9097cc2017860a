package io.corral.cli.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Corral on the ZooKeeper server from Debian's {@code zookeeper} package (a standalone server, the way a Debian
 * operator runs it), beside {@link StockZooKeeperEnsembleIT}'s release from Maven Central.
 *
 * <p>An extra variant: a machine with only a JDK lacks the package, so there the class is skipped (and says how to
 * install it). {@code .ci/run} installs the package after the plain {@code ./mvnw verify} and runs this class again
 * with {@code -Dcorral.debian-zookeeper=required}, which turns a missing package into a failure.
 */
@EnabledIf(value = "packageInstalledOrRequired", disabledReason = DebianZooKeeperIT.INSTALL_HINT
        + "; StockZooKeeperEnsembleIT covers an external ensemble without it")
class DebianZooKeeperIT extends ExternalZooKeeperContract {
    static final String INSTALL_HINT = "Debian's zookeeper package is not installed (apt-get install -y"
            + " --no-install-recommends zookeeper, as .ci/run does)";

    @Override
    List<ZooKeeperServerProcess> startZooKeeper() throws Exception {
        String classpath = debianClasspath();
        ZooKeeperServerProcess server = new ZooKeeperServerProcess("debian-zk", classpath,
                Files.createDirectories(tmp.resolve("zookeeper")), freePort(),
                Map.of("tickTime", "500"), // lets the server grant the masters' 2 s sessions
                Optional.empty(), log("zookeeper.log"));
        server.start();
        await("Debian's ZooKeeper serving on port " + server.clientPort()).atMost(STARTUP)
                .failFast("the ZooKeeper server exited; " + logTails(), () -> !server.isAlive())
                .until(() -> server.mode().isPresent());
        return List.of(server);
    }

    /**
     * The package's jar (its manifest's Class-Path names the other jars it needs), plus SLF4J's simple binding for a
     * server log when present.
     */
    private static String debianClasspath() throws Exception {
        if (!packageInstalled()) {
            throw new AssertionError(INSTALL_HINT + "; -Dcorral.debian-zookeeper=required asks for it");
        }
        for (Path jar : List.of(Path.of("/usr/share/java/zookeeper.jar"), Path.of("/usr/share/zookeeper/zookeeper.jar"))) {
            if (Files.isRegularFile(jar)) {
                Path simpleLogger = Path.of("/usr/share/java/slf4j-simple.jar");
                return Files.isRegularFile(simpleLogger) ? jar + ":" + simpleLogger : jar.toString();
            }
        }
        throw new AssertionError("the zookeeper package is installed but its zookeeper.jar is neither in"
                + " /usr/share/java nor in /usr/share/zookeeper; see `dpkg -L zookeeper libzookeeper-java`");
    }

    /** Runs where the package is, and wherever it is required (then its absence fails the class). */
    static boolean packageInstalledOrRequired() throws InterruptedException {
        return "required".equals(System.getProperty("corral.debian-zookeeper")) || packageInstalled();
    }

    private static boolean packageInstalled() throws InterruptedException {
        Process query;
        try {
            query = new ProcessBuilder("dpkg-query", "-W", "-f=${Status}", "zookeeper").redirectErrorStream(true).start();
        } catch (IOException e) {
            return false; // not Debian or Ubuntu
        }
        String status;
        try {
            status = new String(query.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return false;
        }
        assertThat(query.waitFor(30, TimeUnit.SECONDS)).as("dpkg-query ends").isTrue();
        return status.equals("install ok installed");
    }
}
