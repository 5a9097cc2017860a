package io.corral.zookeeper.registry;

/**
 * Counters of a store's applied writes, for metrics and benchmarks.
 *
 * @param multis        ZooKeeper multis applied (each one fenced, all or nothing)
 * @param znodesWritten znodes created, changed or deleted by them
 */
public record WriteStats(long multis, long znodesWritten) {
}
