package io.corral.frameworks.common;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of a framework's processes leads: a Curator {@link LeaderLatch} at {@link FrameworkPaths#leader()}, whose
 * participant id is the process's REST base URL, so standbys (and CLI clients, {@link #findLeader}) can name the
 * leader. A leader's {@link Leadership} carries its own latch znode as the fence for {@link FrameworkStore} writes.
 *
 * <p>Threading: thread-safe. {@link Listener} callbacks run on the executor given, one at a time when it is
 * single-threaded (as {@link FrameworkRunner}'s is), in the order Curator decided them; {@code elected} is always
 * followed by {@code deposed} for the same term before the next {@code elected}.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

    /** Hears leadership change. */
    public interface Listener {
        /** This process leads from now on, until {@link #deposed} for the same term. */
        void elected(Leadership leadership);

        /** This process no longer leads (latch lost, reset, closed or restarted). */
        void deposed(Leadership leadership);
    }

    private final CuratorFramework curator;
    private final FrameworkPaths paths;
    private final String participantId;
    private final Listener listener;
    private final Executor callbacks;
    private final Object lock = new Object();
    private LeaderLatch latch;
    private Leadership current;
    private long terms;
    private boolean closed;

    /**
     * @param participantId this process's REST base URL, e.g. {@code http://10.0.0.5:8090}
     * @param callbacks     where {@link Listener} callbacks run (a single thread keeps them in order)
     */
    public LeaderElection(CuratorFramework curator, FrameworkPaths paths, String participantId, Listener listener,
                          Executor callbacks) {
        this.curator = Objects.requireNonNull(curator, "curator");
        this.paths = Objects.requireNonNull(paths, "paths");
        this.participantId = Objects.requireNonNull(participantId, "participantId");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
    }

    /** Joins the election. */
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("election closed");
            }
            latch = newLatch();
        }
    }

    /**
     * Gives up the lead (if held) and contends again with a fresh latch znode: what a process does after a fenced
     * write, when its view of leadership and ZooKeeper's disagree.
     */
    public void restart() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            LeaderLatch old = latch;
            latch = null;
            closeQuietly(old);
            depose(old);
            latch = newLatch();
        }
    }

    /** True while this process leads. */
    public boolean isLeader() {
        synchronized (lock) {
            return current != null;
        }
    }

    /** The current term when this process leads. */
    public Optional<Leadership> leadership() {
        synchronized (lock) {
            return Optional.ofNullable(current);
        }
    }

    public String participantId() {
        return participantId;
    }

    /** The leader's participant id (its REST base URL), when some process leads. Reads ZooKeeper. */
    public Optional<String> leaderUrl() {
        return findLeader(curator, paths);
    }

    /**
     * The participant id (REST base URL) of the leader of the framework at {@code paths}, read from the latch's
     * znodes as Curator orders them (lowest sequence number leads); empty when no process contends.
     */
    public static Optional<String> findLeader(CuratorFramework curator, FrameworkPaths paths) {
        try {
            List<String> children;
            try {
                children = curator.getChildren().forPath(paths.leader());
            } catch (KeeperException.NoNodeException none) {
                return Optional.empty();
            }
            Optional<String> lowest = children.stream().filter(c -> c.contains("latch-"))
                    .min(Comparator.comparing(LeaderElection::sequenceOf));
            for (String node : lowest.stream().toList()) {
                try {
                    byte[] data = curator.getData().forPath(paths.leader() + "/" + node);
                    return Optional.of(new String(data, StandardCharsets.UTF_8)).filter(s -> !s.isBlank());
                } catch (KeeperException.NoNodeException gone) {
                    return findLeader(curator, paths); // the leader just left; look again
                }
            }
            return Optional.empty();
        } catch (Exception e) {
            throw new FrameworkStoreException("cannot read the leader latch at " + paths.leader() + ": " + e, e);
        }
    }

    private static String sequenceOf(String node) {
        return node.substring(node.lastIndexOf("latch-") + "latch-".length());
    }

    /** Leaves the election; a leader is deposed first. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            LeaderLatch old = latch;
            latch = null;
            closeQuietly(old);
            depose(old);
        }
    }

    private LeaderLatch newLatch() {
        LeaderLatch created = new LeaderLatch(curator, paths.leader(), participantId, LeaderLatch.CloseMode.SILENT);
        created.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                onLatchChange(created, true);
            }

            @Override
            public void notLeader() {
                onLatchChange(created, false);
            }
        }, callbacks);
        try {
            created.start();
        } catch (Exception e) {
            throw new FrameworkStoreException("cannot join the leader election at " + paths.leader() + ": " + e, e);
        }
        return created;
    }

    /** On the callbacks executor. A stale latch's news is ignored: restart() already deposed it. */
    private void onLatchChange(LeaderLatch source, boolean leads) {
        Leadership elected = null;
        Leadership deposed = null;
        synchronized (lock) {
            if (source != latch) {
                return;
            }
            if (leads && current == null && source.hasLeadership()) {
                // The path that was leader when Curator decided, not getOurPath(): after a reset the latch may hold
                // a new znode that does not lead, and fencing on it would let a deposed process write.
                String node = source.getLastPathIsLeader();
                if (node == null) {
                    return;
                }
                current = new Leadership(node, participantId, ++terms);
                elected = current;
            } else if (!leads && current != null) {
                deposed = current;
                current = null;
            }
        }
        if (elected != null) {
            LOG.info("Leading {} (term {}, latch znode {})", paths.root(), elected.term(), elected.latchNode());
            listener.elected(elected);
        } else if (deposed != null) {
            LOG.info("No longer leading {} (term {})", paths.root(), deposed.term());
            listener.deposed(deposed);
        }
    }

    /** Under the lock: ends the current term, telling the listener on its executor. */
    private void depose(LeaderLatch old) {
        Leadership ended = current;
        current = null;
        if (ended != null) {
            LOG.info("Giving up the lead of {} (term {})", paths.root(), ended.term());
            callbacks.execute(() -> listener.deposed(ended));
        }
    }

    private static void closeQuietly(LeaderLatch latch) {
        if (latch == null) {
            return;
        }
        try {
            latch.close();
        } catch (Exception e) {
            LOG.debug("closing leader latch", e);
        }
    }

    /** For messages: which participants contend now. */
    public List<String> participants() {
        synchronized (lock) {
            if (latch == null) {
                return List.of();
            }
            try {
                return latch.getParticipants().stream().map(Participant::getId).toList();
            } catch (Exception e) {
                return List.of();
            }
        }
    }
}
