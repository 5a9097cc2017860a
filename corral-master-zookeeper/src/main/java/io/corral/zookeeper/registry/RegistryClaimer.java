package io.corral.zookeeper.registry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * Claims the registry for a master that won the election, in its pinned session:
 * <ol>
 *   <li>its contender znode must exist and be owned by that very session;</li>
 *   <li>it reads meta (with its version);</li>
 *   <li>one multi checks the contender znode still exists, creates whatever part of the layout is missing, and
 *       writes meta with the epoch incremented, conditional on the version read (so of two concurrent claims one
 *       fails).</li>
 * </ol>
 * A connection loss restarts the claim from the top once the session is connected again (the claim may have been
 * applied; claiming again only increments the epoch once more).
 *
 * <p>Stateless apart from its arguments; the returned future completes on a ZooKeeper thread.
 */
final class RegistryClaimer {

    private static final int MAX_ATTEMPTS = 5;

    /** A successful claim: the fence for later writes and the metas before and after. */
    record Claimed(Fence fence, LeadershipClaim claim) {
    }

    /** A connection problem worth another attempt. */
    private static final class Retry extends RuntimeException {
        Retry(Code code) {
            super(code.toString(), null, false, false);
        }
    }

    private record Found(RegistryMeta meta, int metaVersion, Set<String> presentChildren, boolean registryExists) {
    }

    private final ZkSession session;
    private final RegistryPaths paths;
    private final String contenderPath;
    private final RegistryMeta.Leader self;
    private final List<ACL> registryAcl;

    RegistryClaimer(ZkSession session, RegistryPaths paths, String contenderPath, RegistryMeta.Leader self,
                    List<ACL> registryAcl) {
        this.session = session;
        this.paths = paths;
        this.contenderPath = contenderPath;
        this.self = self;
        this.registryAcl = registryAcl;
    }

    CompletableFuture<Claimed> claim() {
        return attempt(1);
    }

    private CompletableFuture<Claimed> attempt(int attempt) {
        return checkCandidacy()
                .thenCompose(ignored -> readRegistry())
                .thenCompose(this::writeMeta)
                .exceptionallyCompose(error -> {
                    Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                    if (!(cause instanceof Retry) || attempt >= MAX_ATTEMPTS) {
                        return CompletableFuture.failedFuture(cause instanceof Retry
                                ? new RegistryWriteException("could not claim the registry: ZooKeeper answered "
                                        + cause.getMessage() + " " + attempt + " times")
                                : cause);
                    }
                    return session.awaitConnected().thenCompose(connected -> connected
                            ? attempt(attempt + 1)
                            : CompletableFuture.failedFuture(Fencing.sessionEnded(session)));
                });
    }

    private CompletableFuture<Void> checkCandidacy() {
        return session.exists(contenderPath).thenApply(reply -> {
            if (reply.code() == Code.NONODE) {
                throw Fencing.contenderGone(contenderPath);
            }
            Stat stat = requireOk(reply.code(), reply.value());
            if (stat.getEphemeralOwner() != session.sessionId()) {
                throw new FencedException("the contender znode " + contenderPath + " belongs to ZooKeeper session 0x"
                        + Long.toHexString(stat.getEphemeralOwner()) + ", not to this client's session 0x"
                        + Long.toHexString(session.sessionId()) + ": the session that contended has ended");
            }
            return null;
        });
    }

    private CompletableFuture<Found> readRegistry() {
        return session.getChildren(paths.registry()).thenCompose(children -> {
            if (children.code() == Code.NONODE) {
                return CompletableFuture.completedFuture(new Found(RegistryMeta.UNCLAIMED, -1, Set.of(), false));
            }
            Set<String> present = new HashSet<>(requireOk(children.code(), children.value()));
            if (!present.contains("meta")) {
                return CompletableFuture.completedFuture(new Found(RegistryMeta.UNCLAIMED, -1, present, true));
            }
            return session.getData(paths.meta()).thenApply(data -> {
                if (data.code() == Code.NONODE) {
                    throw new FencedException("the registry meta vanished while this master claimed it: another"
                            + " process is changing the registry");
                }
                ZkSession.Data meta = requireOk(data.code(), data.value());
                RegistryMeta decoded;
                try {
                    decoded = RegistryCodec.decodeMeta(meta.bytes());
                } catch (RegistryFormatException e) {
                    throw new RegistryFormatException(paths.meta() + ": " + e.getMessage(), e);
                }
                return new Found(decoded, meta.stat().getVersion(), present, true);
            });
        });
    }

    private CompletableFuture<Claimed> writeMeta(Found found) {
        RegistryMeta next = found.meta().next(self);
        byte[] document = RegistryCodec.encodeMeta(next);
        List<Op> ops = new ArrayList<>();
        ops.add(Op.check(contenderPath, -1));
        if (!found.registryExists()) {
            ops.add(create(paths.registry(), new byte[0]));
        }
        for (String dir : List.of(paths.agents(), paths.frameworks(), paths.roles(), paths.maintenanceDir(),
                paths.agentModes())) {
            if (!found.presentChildren().contains(dir.substring(dir.lastIndexOf('/') + 1))) {
                ops.add(create(dir, new byte[0]));
            }
        }
        boolean metaExists = found.metaVersion() >= 0;
        ops.add(metaExists ? Op.setData(paths.meta(), document, found.metaVersion()) : create(paths.meta(), document));
        return session.multi(ops).thenApply(reply -> {
            if (reply.code() == Code.OK) {
                OpResult last = reply.value().get(ops.size() - 1);
                int version = last instanceof OpResult.SetDataResult set ? set.getStat().getVersion() : 0;
                Fence fence = new Fence(session, contenderPath, paths.meta(), version, next.epoch(), registryAcl);
                return new Claimed(fence, new LeadershipClaim(found.meta(), next));
            }
            if (ZkSession.failedIndex(reply.value()).orElse(-1) == 0) {
                throw Fencing.contenderGone(contenderPath);
            }
            switch (reply.code()) {
                case NODEEXISTS, BADVERSION, NONODE -> throw new FencedException("another master claimed the"
                        + " registry at the same time as this one (it found epoch " + found.meta().epoch() + ")");
                default -> throw failure(reply.code());
            }
        });
    }

    private Op create(String path, byte[] data) {
        return Op.create(path, data, registryAcl, CreateMode.PERSISTENT);
    }

    private <T> T requireOk(Code code, T value) {
        if (code != Code.OK) {
            throw failure(code);
        }
        return value;
    }

    private RuntimeException failure(Code code) {
        return switch (code) {
            case CONNECTIONLOSS, OPERATIONTIMEOUT -> new Retry(code);
            case SESSIONEXPIRED, SESSIONMOVED -> Fencing.sessionEnded(session);
            default -> new RegistryWriteException("ZooKeeper refused the registry claim: " + code);
        };
    }
}
