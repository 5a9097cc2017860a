package io.corral.agent.containerizer;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The isolators a containerizer was configured with, called together ({@link Isolator} has the order). A failure to
 * prepare or isolate fails the launch; failures later on are logged, because the task runs either way.
 *
 * <p>Immutable and thread-safe (the isolators keep their state in the kernel).
 */
public final class Isolators {
    private static final Logger LOG = LoggerFactory.getLogger(Isolators.class);

    private final List<Isolator> isolators;

    public Isolators(List<Isolator> isolators) {
        this.isolators = List.copyOf(isolators);
    }

    public static Isolators none() {
        return new Isolators(List.of());
    }

    /** These isolators and {@code another}, called last. */
    public Isolators with(Isolator another) {
        List<Isolator> all = new java.util.ArrayList<>(isolators);
        all.add(another);
        return new Isolators(all);
    }

    public List<String> names() {
        return isolators.stream().map(Isolator::name).toList();
    }

    void prepare(ContainerSpec spec) throws IOException {
        for (Isolator isolator : isolators) {
            isolator.prepare(spec);
        }
    }

    /** What the isolators add to a prepared container's environment ({@link Isolator#environment}). */
    Map<String, String> environment(String containerId) {
        Map<String, String> environment = new java.util.HashMap<>();
        isolators.forEach(isolator -> environment.putAll(isolator.environment(containerId)));
        return environment;
    }

    void isolate(String containerId, long launcherPid) throws IOException {
        for (Isolator isolator : isolators) {
            isolator.isolate(containerId, launcherPid);
        }
    }

    /**
     * Every isolator's {@link Isolator#joinFiles}, without repeats (cgroup v2 has one directory for all
     * controllers); empty when one isolator needs {@link #isolate}.
     */
    Optional<List<java.nio.file.Path>> joinFiles(String containerId) {
        java.util.LinkedHashSet<java.nio.file.Path> files = new java.util.LinkedHashSet<>();
        for (Isolator isolator : isolators) {
            Optional<List<java.nio.file.Path>> own = isolator.joinFiles(containerId);
            if (own.isEmpty()) {
                return Optional.empty();
            }
            files.addAll(own.get());
        }
        return Optional.of(List.copyOf(files));
    }

    public void update(String containerId, List<Resource> resources) {
        for (Isolator isolator : isolators) {
            try {
                isolator.update(containerId, resources);
            } catch (IOException e) {
                LOG.warn("Container {}: {} could not apply new resources: {}", containerId, isolator.name(),
                        e.getMessage());
            }
        }
    }

    public ResourceStatistics usage(String containerId) {
        ResourceStatistics.Builder usage = ResourceStatistics.newBuilder()
                .setTimestamp(System.currentTimeMillis() / 1000.0);
        for (Isolator isolator : isolators) {
            try {
                isolator.usage(containerId, usage);
            } catch (IOException e) {
                LOG.debug("Container {}: no usage from {}: {}", containerId, isolator.name(), e.getMessage());
            }
        }
        return usage.build();
    }

    /** Completes with the first limit an isolator saw the container go over (see {@link Isolator#watch}). */
    CompletableFuture<Limitation> watch(String containerId) {
        CompletableFuture<Limitation> first = new CompletableFuture<>();
        for (Isolator isolator : isolators) {
            isolator.watch(containerId).thenAccept(first::complete);
        }
        return first;
    }

    /** Signals every process of the container through the first isolator that can; false when none can. */
    boolean signalAll(String containerId, boolean forcibly, long spare) {
        for (Isolator isolator : isolators) {
            if (isolator.signalAll(containerId, forcibly, spare)) {
                return true;
            }
        }
        return false;
    }

    /** The first limitation an isolator reports for an ended container. */
    Optional<Limitation> limitation(String containerId) {
        for (Isolator isolator : isolators) {
            Optional<Limitation> limitation = isolator.limitation(containerId);
            if (limitation.isPresent()) {
                return limitation;
            }
        }
        return Optional.empty();
    }

    void cleanup(String containerId) {
        isolators.forEach(isolator -> isolator.cleanup(containerId));
    }

    public void recover(Set<String> live) {
        isolators.forEach(isolator -> isolator.recover(live));
    }

    /** The agent is stopping: see {@link Isolator#release}. */
    void release() {
        isolators.forEach(Isolator::release);
    }
}
