package io.corral.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * What is left of one offer while a framework packs tasks into it (an offer helper of the SDK). {@link #take} carves
 * a task's cpus, mem, disk, gpus and ports out of the offer's own resources, keeping each piece's role, reservation
 * and allocation info (which the master demands back on LAUNCH; the offer's allocation info is added where a resource
 * lacks it), all or nothing. Scalars are counted in thousandths, as Mesos rounds them. Revocable resources and disks
 * with a {@code DiskInfo} (persistent volumes, mount disks: taken whole or not at all) are left alone.
 *
 * <p>Not thread-safe: used by one matching pass.
 */
public final class OfferResources {
    private final List<Resource> remaining;

    public OfferResources(Offer offer) {
        this.remaining = new ArrayList<>(offer.getResourcesList().stream().filter(r -> !r.hasRevocable())
                .map(r -> offer.hasAllocationInfo() && !r.hasAllocationInfo()
                        ? r.toBuilder().setAllocationInfo(offer.getAllocationInfo()).build() : r)
                .toList());
    }

    /** What one task needs. */
    public record Need(double cpus, double mem, double disk, int gpus, int ports) {}

    /** The resources for one task, and the ports in them. */
    public record Taken(List<Resource> resources, List<Integer> ports) {}

    /** The resources for one task, taken from what is left of the offer; empty (nothing taken) if they do not fit. */
    public Optional<Taken> take(Need need) {
        List<Resource> trial = new ArrayList<>(remaining);
        List<Resource> taken = new ArrayList<>();
        if (!takeScalar(trial, taken, "cpus", need.cpus()) || !takeScalar(trial, taken, "mem", need.mem())
                || !takeScalar(trial, taken, "disk", need.disk()) || !takeScalar(trial, taken, "gpus", need.gpus())) {
            return Optional.empty();
        }
        List<Integer> ports = new ArrayList<>();
        if (!takePorts(trial, taken, need.ports(), ports)) {
            return Optional.empty();
        }
        remaining.clear();
        remaining.addAll(trial);
        return Optional.of(new Taken(List.copyOf(taken), List.copyOf(ports)));
    }

    /**
     * Several needs at once, each carved out separately (a task and the executor it runs under are charged apart),
     * all or nothing: empty, with nothing taken, if any does not fit.
     */
    public Optional<List<Taken>> takeAll(List<Need> needs) {
        List<Resource> before = new ArrayList<>(remaining);
        List<Taken> all = new ArrayList<>();
        for (Need need : needs) {
            Optional<Taken> one = take(need);
            if (one.isEmpty()) {
                remaining.clear();
                remaining.addAll(before);
                return Optional.empty();
            }
            all.add(one.get());
        }
        return Optional.of(List.copyOf(all));
    }

    private static long milli(double value) {
        return Math.round(value * 1000);
    }

    private static boolean takeScalar(List<Resource> trial, List<Resource> taken, String name, double amount) {
        long needed = milli(amount);
        for (int i = 0; i < trial.size() && needed > 0; i++) {
            Resource r = trial.get(i);
            if (!r.getName().equals(name) || r.getType() != Value.Type.SCALAR || r.hasDisk()) {
                continue;
            }
            long available = milli(r.getScalar().getValue());
            long use = Math.min(available, needed);
            if (use <= 0) {
                continue;
            }
            taken.add(r.toBuilder().setScalar(Value.Scalar.newBuilder().setValue(use / 1000.0)).build());
            trial.set(i, r.toBuilder().setScalar(Value.Scalar.newBuilder().setValue((available - use) / 1000.0))
                    .build());
            needed -= use;
        }
        trial.removeIf(r -> r.getType() == Value.Type.SCALAR && milli(r.getScalar().getValue()) <= 0);
        return needed <= 0;
    }

    private static boolean takePorts(List<Resource> trial, List<Resource> taken, int count, List<Integer> ports) {
        int needed = count;
        for (int i = 0; i < trial.size() && needed > 0; i++) {
            Resource r = trial.get(i);
            if (!r.getName().equals("ports") || r.getType() != Value.Type.RANGES) {
                continue;
            }
            Value.Ranges.Builder left = Value.Ranges.newBuilder();
            Value.Ranges.Builder used = Value.Ranges.newBuilder();
            for (Value.Range range : r.getRanges().getRangeList()) {
                long begin = range.getBegin();
                long take = Math.min(needed, range.getEnd() - begin + 1);
                if (take > 0) {
                    used.addRange(Value.Range.newBuilder().setBegin(begin).setEnd(begin + take - 1));
                    for (long p = begin; p < begin + take; p++) {
                        ports.add((int) p);
                    }
                    needed -= (int) take;
                    begin += take;
                }
                if (begin <= range.getEnd()) {
                    left.addRange(Value.Range.newBuilder().setBegin(begin).setEnd(range.getEnd()));
                }
            }
            if (used.getRangeCount() > 0) {
                taken.add(r.toBuilder().setRanges(used).build());
                trial.set(i, r.toBuilder().setRanges(left).build());
            }
        }
        trial.removeIf(r -> r.getType() == Value.Type.RANGES && r.getRanges().getRangeCount() == 0);
        return needed <= 0;
    }
}
