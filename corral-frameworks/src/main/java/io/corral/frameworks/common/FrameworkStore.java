package io.corral.frameworks.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;

/**
 * A framework's durable state: JSON documents under its root znode ({@link FrameworkPaths}), created with the ACLs
 * of the rest of Corral (the client's {@code ZkAcls}), plus the framework id it subscribes with.
 *
 * <p>Writes are fenced: each is one ZooKeeper transaction that first checks that the writer's latch znode
 * ({@link Leadership#latchNode()}) still exists, so a process that lost the lead cannot write, even one that has not
 * heard yet. A write that fails throws ({@link FencedException} when fenced) and has changed nothing: callers change
 * their in-memory state only after a write returned.
 *
 * <p>Paths given to methods are relative to the framework's root ({@code apps/web}); document names are the
 * caller's business (they must be valid znode names).
 *
 * <p>Threading: stateless apart from the Curator client; thread-safe. Calls block on ZooKeeper, so never make them
 * on an HTTP I/O thread.
 */
public final class FrameworkStore {
    /** The framework id, so a new leader resubscribes as the same framework. */
    public static final String FRAMEWORK_ID = "framework-id";
    /** ZooKeeper's default jute.maxbuffer is 1 MiB; stay well under it per document. */
    public static final int MAX_DOCUMENT_BYTES = 512 * 1024;

    private final CuratorFramework curator;
    private final FrameworkPaths paths;
    private final ObjectMapper json = FrameworkJson.mapper();

    public FrameworkStore(CuratorFramework curator, FrameworkPaths paths) {
        this.curator = Objects.requireNonNull(curator, "curator");
        this.paths = Objects.requireNonNull(paths, "paths");
    }

    public FrameworkPaths paths() {
        return paths;
    }

    // ------------------------------------------------------------------------------------------------- reads

    /** The document at {@code relative}, or empty when there is none. */
    public <T> Optional<T> read(String relative, Class<T> type) {
        String path = paths.path(relative);
        byte[] data;
        try {
            data = curator.getData().forPath(path);
        } catch (KeeperException.NoNodeException none) {
            return Optional.empty();
        } catch (Exception e) {
            throw new FrameworkStoreException("cannot read " + path + ": " + e.getMessage(), e);
        }
        if (data == null || data.length == 0) {
            return Optional.empty(); // a folder
        }
        try {
            return Optional.of(json.readValue(data, type));
        } catch (IOException e) {
            throw new FrameworkStoreException("document " + path + " is not a readable " + type.getSimpleName()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The names of the documents and folders directly under {@code relative} (empty when it does not exist). */
    public List<String> children(String relative) {
        String path = paths.path(relative);
        try {
            return List.copyOf(curator.getChildren().forPath(path));
        } catch (KeeperException.NoNodeException none) {
            return List.of();
        } catch (Exception e) {
            throw new FrameworkStoreException("cannot list " + path + ": " + e.getMessage(), e);
        }
    }

    /** The framework id a previous leader subscribed with. */
    public Optional<String> frameworkId() {
        return read(FRAMEWORK_ID, FrameworkIdDocument.class).map(FrameworkIdDocument::id);
    }

    // ------------------------------------------------------------------------------------------------ writes

    /** One change of a {@link #commit}: put a document, or delete one with everything under it. */
    public sealed interface Change permits Put, Delete {}

    /** Creates or replaces the document at {@code relative} (its missing parents are created empty). */
    public record Put(String relative, Object document) implements Change {}

    /** Deletes the document or folder at {@code relative} and everything under it; nothing if it does not exist. */
    public record Delete(String relative) implements Change {}

    /** Creates or replaces one document, fenced by {@code leadership}. */
    public void put(Leadership leadership, String relative, Object document) {
        commit(leadership, List.of(new Put(relative, document)));
    }

    /** Deletes a document and what is under it, fenced by {@code leadership}. */
    public void delete(Leadership leadership, String relative) {
        commit(leadership, List.of(new Delete(relative)));
    }

    /** Records the framework id the master assigned, fenced by {@code leadership}. */
    public void saveFrameworkId(Leadership leadership, String frameworkId) {
        put(leadership, FRAMEWORK_ID, new FrameworkIdDocument(frameworkId));
    }

    /** Forgets the framework id (the master removed the framework: the next leader subscribes anew). */
    public void forgetFrameworkId(Leadership leadership) {
        delete(leadership, FRAMEWORK_ID);
    }

    /**
     * Applies all {@code changes} at once, or none: one ZooKeeper transaction that begins by checking the writer's
     * latch znode.
     *
     * @throws FencedException when {@code leadership} has ended (nothing written)
     * @throws FrameworkStoreException when ZooKeeper fails otherwise (nothing written)
     * @throws IllegalArgumentException when a document does not serialize or is too large
     */
    public void commit(Leadership leadership, List<Change> changes) {
        Objects.requireNonNull(leadership, "leadership");
        if (changes.isEmpty()) {
            return;
        }
        List<CuratorOp> ops = new ArrayList<>();
        try {
            ops.add(curator.transactionOp().check().forPath(leadership.latchNode()));
            Set<String> created = new HashSet<>();
            Set<String> deleted = new HashSet<>();
            for (Change change : changes) {
                if (change instanceof Put put) {
                    addPut(ops, put, created, deleted);
                } else if (change instanceof Delete delete) {
                    addDelete(ops, paths.path(delete.relative()), created, deleted);
                }
            }
        } catch (IllegalArgumentException | FrameworkStoreException e) {
            throw e;
        } catch (Exception e) {
            throw new FrameworkStoreException("cannot prepare a write under " + paths.root() + ": " + e, e);
        }
        try {
            curator.transaction().forOperations(ops);
        } catch (Exception e) {
            if (!latchNodeExists(leadership)) {
                throw new FencedException("this process no longer leads " + paths.root() + " (its latch znode "
                        + leadership.latchNode() + " is gone): the write was refused; another process takes over");
            }
            throw new FrameworkStoreException("write under " + paths.root() + " failed: " + e, e);
        }
    }

    private void addPut(List<CuratorOp> ops, Put put, Set<String> created, Set<String> deleted) throws Exception {
        String path = paths.path(put.relative());
        byte[] data = serialize(put.document(), path);
        ensureParents(ops, ZKPaths.getPathAndNode(path).getPath(), created, deleted);
        if (!deleted.contains(path) && (created.contains(path) || curator.checkExists().forPath(path) != null)) {
            ops.add(curator.transactionOp().setData().forPath(path, data));
        } else {
            ops.add(curator.transactionOp().create().forPath(path, data));
            created.add(path);
            deleted.remove(path);
        }
    }

    /** Creates the missing ancestors of {@code path}, up to (not including) the framework's root's parent. */
    private void ensureParents(List<CuratorOp> ops, String path, Set<String> created, Set<String> deleted)
            throws Exception {
        if (path.equals("/") || created.contains(path)) {
            return;
        }
        if (!deleted.contains(path) && curator.checkExists().forPath(path) != null) {
            return;
        }
        ensureParents(ops, ZKPaths.getPathAndNode(path).getPath(), created, deleted);
        ops.add(curator.transactionOp().create().forPath(path, new byte[0]));
        created.add(path);
        deleted.remove(path);
    }

    private void addDelete(List<CuratorOp> ops, String path, Set<String> created, Set<String> deleted)
            throws Exception {
        if (deleted.contains(path)) {
            return;
        }
        boolean exists = created.contains(path) || curator.checkExists().forPath(path) != null;
        if (!exists) {
            return;
        }
        List<String> children = created.contains(path) ? List.of() : curator.getChildren().forPath(path);
        for (String child : children) {
            addDelete(ops, ZKPaths.makePath(path, child), created, deleted);
        }
        for (String madeHere : List.copyOf(created)) {
            if (madeHere.startsWith(path + "/")) {
                addDelete(ops, madeHere, created, deleted);
            }
        }
        ops.add(curator.transactionOp().delete().forPath(path));
        deleted.add(path);
        created.remove(path);
    }

    private byte[] serialize(Object document, String path) {
        byte[] data;
        try {
            data = document instanceof byte[] bytes ? bytes : json.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + path + " as JSON: " + e.getMessage(), e);
        }
        if (data.length > MAX_DOCUMENT_BYTES) {
            throw new IllegalArgumentException("document " + path + " is " + data.length + " bytes; at most "
                    + MAX_DOCUMENT_BYTES + " are stored");
        }
        return data;
    }

    private boolean latchNodeExists(Leadership leadership) {
        try {
            return curator.checkExists().forPath(leadership.latchNode()) != null;
        } catch (Exception e) {
            return false; // cannot tell: treat as fenced, the safe side
        }
    }

    /** The stored framework id. */
    public record FrameworkIdDocument(String id) {
        public FrameworkIdDocument {
            Objects.requireNonNull(id, "id");
        }
    }

}
