package io.corral.master;

import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.FrameworkRecord;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** The registry of unit tests: writes land in maps at once (the fenced ZooKeeper store has its own tests). */
final class InMemoryRegistry implements Registry {
    final Map<String, AgentRecord> agents = new ConcurrentHashMap<>();
    final Map<String, FrameworkRecord> frameworks = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Void> putAgent(AgentRecord agent) {
        agents.put(agent.id(), agent);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> putFramework(FrameworkRecord framework) {
        frameworks.put(framework.id(), framework);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> removeFramework(String frameworkId) {
        frameworks.remove(frameworkId);
        return CompletableFuture.completedFuture(null);
    }
}
