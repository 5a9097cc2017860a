package io.corral.zookeeper.presence;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records a {@link PresenceWatcher}'s calls as readable lines ("present [a1, a2]", "appeared a1 at host:1",
 * "disappeared a1") and when each agent was last reported gone.
 *
 * <p>Thread-safe: written on the watcher thread, read on the test thread.
 */
final class RecordingListener implements PresenceWatcher.Listener {

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, Long> disappearedAtNanos = new ConcurrentHashMap<>();
    private final List<String> callingThreads = new CopyOnWriteArrayList<>();

    @Override
    public void present(Set<String> agentIds) {
        record("present " + agentIds);
    }

    @Override
    public void appeared(String agentId, String address) {
        record("appeared " + agentId + " at " + address);
    }

    @Override
    public void disappeared(String agentId) {
        disappearedAtNanos.put(agentId, System.nanoTime());
        record("disappeared " + agentId);
    }

    List<String> events() {
        return List.copyOf(events);
    }

    Long disappearedAtNanos(String agentId) {
        return disappearedAtNanos.get(agentId);
    }

    Set<String> callingThreads() {
        return Set.copyOf(callingThreads);
    }

    private void record(String event) {
        callingThreads.add(Thread.currentThread().getName());
        events.add(event);
    }
}
