package io.corral.zookeeper.registry;

/**
 * A registry write (or claim) was refused because this master no longer holds leadership: its ZooKeeper session
 * ended, its {@code json.info_} znode is gone, or another master claimed the registry after it. Permanent for the
 * store that threw it: the master must stop acting as leader (step down or exit), and can write again only through
 * a new store after winning a new election.
 */
public final class FencedException extends RuntimeException {

    public FencedException(String message) {
        super(message);
    }
}
