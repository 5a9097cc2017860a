package io.corral.zookeeper.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;

/**
 * Reads the whole registry with parallel asynchronous reads: meta, then every agent, framework, role and agent-mode
 * znode and the maintenance document at once. A znode deleted between the listing and its read is skipped (it was
 * removed: it no longer belongs to the registry). Reads go through Curator (any session will do: reading needs no fence), so connection losses are
 * retried by Curator's retry policy.
 *
 * <p>Stateless apart from its arguments; decoding runs on the given executor, not on ZooKeeper's event thread.
 */
final class RegistryReader {

    /** What a load found: the snapshot, and every entity znode path it read (they exist, as far as it knows). */
    record Loaded(RegistrySnapshot snapshot, List<String> entityPaths) {
    }

    private record Document(String path, byte[] bytes) {
    }

    private final CuratorFramework zk;
    private final RegistryPaths paths;
    private final Executor decoder;

    RegistryReader(CuratorFramework zk, RegistryPaths paths, Executor decoder) {
        this.zk = zk;
        this.paths = paths;
        this.decoder = decoder;
    }

    CompletableFuture<Loaded> load() {
        CompletableFuture<Optional<byte[]>> meta = read(paths.meta());
        CompletableFuture<List<Document>> agents = readAll(paths.agents());
        CompletableFuture<List<Document>> frameworks = readAll(paths.frameworks());
        CompletableFuture<List<Document>> roles = readAll(paths.roles());
        CompletableFuture<Optional<byte[]>> maintenance = read(paths.maintenance());
        CompletableFuture<List<Document>> agentModes = readAll(paths.agentModes());
        return CompletableFuture.allOf(meta, agents, frameworks, roles, maintenance, agentModes)
                .thenApplyAsync(ignored -> {
            RegistryMeta decodedMeta = meta.join()
                    .map(bytes -> decode(new Document(paths.meta(), bytes), RegistryCodec::decodeMeta))
                    .orElse(RegistryMeta.UNCLAIMED);
            List<String> entityPaths = new ArrayList<>();
            for (List<Document> docs : List.of(agents.join(), frameworks.join(), roles.join(), agentModes.join())) {
                docs.forEach(doc -> entityPaths.add(doc.path()));
            }
            maintenance.join().ifPresent(bytes -> entityPaths.add(paths.maintenance()));
            MaintenanceRecord decodedMaintenance = maintenance.join()
                    .map(bytes -> decode(new Document(paths.maintenance(), bytes), RegistryCodec::decodeMaintenance))
                    .orElse(MaintenanceRecord.NONE);
            RegistrySnapshot snapshot = new RegistrySnapshot(decodedMeta,
                    decodeAll(agents.join(), RegistryCodec::decodeAgent),
                    decodeAll(frameworks.join(), RegistryCodec::decodeFramework),
                    decodeAll(roles.join(), RegistryCodec::decodeRole),
                    decodedMaintenance,
                    decodeAll(agentModes.join(), RegistryCodec::decodeAgentMode));
            return new Loaded(snapshot, entityPaths);
        }, decoder);
    }

    private CompletableFuture<List<Document>> readAll(String parent) {
        return children(parent).thenCompose(names -> {
            List<CompletableFuture<Optional<Document>>> reads = new ArrayList<>(names.size());
            for (String name : names) {
                String path = parent + "/" + name;
                reads.add(read(path).thenApply(bytes -> bytes.map(b -> new Document(path, b))));
            }
            return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                    .thenApply(ignored -> reads.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
        });
    }

    /** A znode's data; empty when it does not exist. */
    private CompletableFuture<Optional<byte[]>> read(String path) {
        CompletableFuture<Optional<byte[]>> result = new CompletableFuture<>();
        try {
            zk.getData().inBackground((client, event) -> {
                Code code = Code.get(event.getResultCode());
                if (code == Code.OK) {
                    result.complete(Optional.of(event.getData() == null ? new byte[0] : event.getData()));
                } else if (code == Code.NONODE) {
                    result.complete(Optional.empty());
                } else {
                    result.completeExceptionally(KeeperException.create(code, path));
                }
            }).forPath(path);
        } catch (Exception e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /** A znode's children; none when it does not exist. */
    private CompletableFuture<List<String>> children(String path) {
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        try {
            zk.getChildren().inBackground((client, event) -> {
                Code code = Code.get(event.getResultCode());
                if (code == Code.OK) {
                    result.complete(event.getChildren());
                } else if (code == Code.NONODE) {
                    result.complete(List.of());
                } else {
                    result.completeExceptionally(KeeperException.create(code, path));
                }
            }).forPath(path);
        } catch (Exception e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private static <T> List<T> decodeAll(List<Document> documents, Function<byte[], T> decoder) {
        List<T> records = new ArrayList<>(documents.size());
        documents.forEach(doc -> records.add(decode(doc, decoder)));
        return records;
    }

    /** Decodes one document; a bad one fails the load, naming its znode (recovering without it would lose it). */
    private static <T> T decode(Document document, Function<byte[], T> decoder) {
        try {
            return decoder.apply(document.bytes());
        } catch (RegistryFormatException e) {
            throw RegistryFormatException.inZnode(document.path(), e);
        }
    }
}
