package io.corral.agent.containerizer;

/**
 * Chooses how this JVM starts processes, before it starts any: {@code vfork} then {@code exec} of the program itself,
 * rather than the JDK's default on Linux, {@code posix_spawn} of its {@code jspawnhelper}, which then execs the
 * program: one exec fewer for every task, every health check and every kill helper.
 *
 * <p>Why it matters: an exec is the dearest step of a launch. On the 2-core test VM, 180 spawns of {@code setsid sh -c
 * 'setsid true'} from a JVM with a 2 GB heap cost 48 ms of CPU each through {@code jspawnhelper} and 26 ms with
 * {@code vfork} (docs/benchmarks.md, "Packed launches"). The JDK reads the property once, when it first starts a
 * process; an operator's own {@code -Djdk.lang.Process.launchMechanism} wins, and a JVM that already started a process
 * (a test JVM) keeps its mechanism, which is harmless.
 *
 * <p>Threading: call from the thread that starts the agent, before it starts processes.
 */
public final class SpawnMechanism {
    static final String PROPERTY = "jdk.lang.Process.launchMechanism";

    private SpawnMechanism() {
    }

    /** Asks for {@code VFORK} on Linux unless the operator chose a mechanism. */
    public static void preferVfork() {
        if (System.getProperty("os.name", "").startsWith("Linux") && System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "VFORK");
        }
    }
}
