package io.corral.protocol.resources;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * An immutable bag of Mesos resources with exact arithmetic, shared by the master, the allocator and the agent.
 *
 * <p>Resources are grouped by <em>kind</em>: everything about a {@link Resource} except its value (name, type,
 * role, reservations, allocation info, disk, revocable, shared, provider). Amounts of the same kind add up:
 * scalars in thousandths, as Mesos rounds them (so 0.1 + 0.2 - 0.3 is exactly 0); ranges as merged interval sets;
 * sets as item sets. Empty amounts disappear. Reservations are kept in one form ({@link Reservations#canonical}:
 * the {@code reservations} stack, and {@code role: "*"} for unreserved resources), so a reservation written in
 * either of Mesos's formats, and an unset role, match the agent's resources.
 *
 * <p>Ranges and sets add as sets do (adding port 31000 twice still holds it once), as in Mesos.
 *
 * <p>Threading: immutable; safe to share between threads.
 */
public final class ResourceSet {
    private static final ResourceSet EMPTY = new ResourceSet(Map.of());
    /** Scalars that /master/state always shows, as 0 when absent. */
    private static final List<String> ALWAYS_FLATTENED = List.of("cpus", "gpus", "mem", "disk");
    private static final Set<Value.Type> AMOUNT_TYPES = Set.of(Value.Type.SCALAR, Value.Type.RANGES, Value.Type.SET);

    /** Kind (a Resource with no value) to its non-empty amount, in first-seen order. */
    private final Map<Resource, Amount> amounts;
    /** Built on first use; an immutable list, so a racing second build is harmless. */
    private List<Resource> list;

    private ResourceSet(Map<Resource, Amount> amounts) {
        this.amounts = amounts;
    }

    public static ResourceSet empty() {
        return EMPTY;
    }

    /**
     * The sum of {@code resources}. Each must have a name and a type of SCALAR, RANGES or SET with a matching value;
     * scalars must be from 0 to 1e12 and ranges must have begin <= end.
     *
     * @throws IllegalArgumentException naming the resource that breaks these rules
     */
    public static ResourceSet of(List<Resource> resources) {
        Map<Resource, Amount> amounts = new LinkedHashMap<>();
        for (Resource resource : resources) {
            Amount amount;
            Resource kind;
            try {
                amount = Amount.of(validated(resource));
                kind = kindOf(resource);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid resource '" + resource.getName() + "': " + e.getMessage(), e);
            }
            add(amounts, kind, amount);
        }
        return create(amounts);
    }

    /**
     * Parses Mesos's text form, as in the agent's {@code --resources} flag:
     * {@code cpus:4;mem:1024;disk:2000;ports:[31000-32000]}, with an optional role as in {@code cpus(eng):2}
     * and sets as in {@code zones:{a,b}}.
     *
     * @throws IllegalArgumentException naming the bad item and the expected form
     */
    public static ResourceSet parse(String text) {
        return of(ResourceText.parse(text));
    }

    public ResourceSet plus(ResourceSet other) {
        if (other.isEmpty()) {
            return this;
        }
        Map<Resource, Amount> sum = new LinkedHashMap<>(amounts);
        other.amounts.forEach((kind, amount) -> add(sum, kind, amount));
        return create(sum);
    }

    /**
     * The sum of {@code sets} as {@link #plusAtMost} adds them, in one pass: no set in between is built, which matters
     * when many sets are summed at once ({@link ResourceTally}).
     */
    public static ResourceSet sumAtMost(Iterable<ResourceSet> sets) {
        Map<Resource, Amount> sum = new LinkedHashMap<>();
        for (ResourceSet set : sets) {
            set.amounts.forEach((kind, amount) -> {
                if (!amount.isEmpty()) {
                    sum.merge(kind, amount, Amount::plusAtMost);
                }
            });
        }
        return create(sum);
    }

    /**
     * {@link #plus} for totals over several agents (what a framework or a role holds, reported or compared), which
     * may exceed the largest scalar (1e12) that one agent has: such a sum stays at 1e12 instead of failing. Never for
     * an agent's own books, which must be exact.
     */
    public ResourceSet plusAtMost(ResourceSet other) {
        if (other.isEmpty()) {
            return this;
        }
        Map<Resource, Amount> sum = new LinkedHashMap<>(amounts);
        other.amounts.forEach((kind, amount) -> {
            if (!amount.isEmpty()) {
                sum.merge(kind, amount, Amount::plusAtMost);
            }
        });
        return create(sum);
    }

    /**
     * This set added to itself {@code times} times as {@link #plusAtMost} adds (so at most 1e12 of a scalar): scalars
     * multiplied, ranges and sets as they are (port 31000 held twice is held once).
     *
     * @throws IllegalArgumentException if {@code times} is less than 1
     */
    public ResourceSet timesAtMost(long times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, not " + times);
        }
        if (times == 1) {
            return this;
        }
        Map<Resource, Amount> product = new LinkedHashMap<>();
        amounts.forEach((kind, amount) -> product.put(kind, amount.timesAtMost(times)));
        return create(product);
    }

    /** @throws IllegalArgumentException if {@code other} is not contained in this set */
    public ResourceSet minus(ResourceSet other) {
        if (!contains(other)) {
            throw new IllegalArgumentException("Cannot subtract " + other + " from " + this
                    + ": it holds resources this set does not");
        }
        Map<Resource, Amount> difference = new LinkedHashMap<>(amounts);
        other.amounts.forEach((kind, amount) -> {
            Amount left = difference.get(kind).minus(amount);
            if (left.isEmpty()) {
                difference.remove(kind);
            } else {
                difference.put(kind, left);
            }
        });
        return create(difference);
    }

    /** True when every resource of {@code other} is here, of the same kind and at least as much. */
    public boolean contains(ResourceSet other) {
        for (Map.Entry<Resource, Amount> entry : other.amounts.entrySet()) {
            Amount mine = amounts.get(entry.getKey());
            if (mine == null || !mine.contains(entry.getValue())) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return amounts.isEmpty();
    }

    /** Total of the scalar resources called {@code name}, over all roles; 0 when there are none. */
    public double scalar(String name) {
        long millis = 0;
        for (Map.Entry<Resource, Amount> entry : amounts.entrySet()) {
            if (entry.getKey().getName().equals(name) && entry.getValue() instanceof Amount.Scalar scalar) {
                millis += scalar.millis();
            }
        }
        return millis / 1000.0;
    }

    /** Union of the range resources called {@code name}, over all roles, normalized; empty when there are none. */
    public Value.Ranges ranges(String name) {
        IntervalSet union = IntervalSet.EMPTY;
        for (Map.Entry<Resource, Amount> entry : amounts.entrySet()) {
            if (entry.getKey().getName().equals(name) && entry.getValue() instanceof Amount.Ranges ranges) {
                union = union.union(ranges.intervals());
            }
        }
        return union.toRanges();
    }

    /** Union of the set resources called {@code name}, over all roles; empty when there are none. */
    public SortedSet<String> set(String name) {
        TreeSet<String> union = new TreeSet<>();
        for (Map.Entry<Resource, Amount> entry : amounts.entrySet()) {
            if (entry.getKey().getName().equals(name) && entry.getValue() instanceof Amount.Items items) {
                union.addAll(items.items());
            }
        }
        return Collections.unmodifiableSortedSet(union);
    }

    /** One Resource per kind, with normalized values, in the order kinds were first added. */
    public List<Resource> toList() {
        List<Resource> resources = list;
        if (resources == null) {
            List<Resource> built = new ArrayList<>(amounts.size());
            amounts.forEach((kind, amount) -> {
                Resource.Builder resource = kind.toBuilder();
                amount.writeTo(resource);
                built.add(resource.build());
            });
            resources = List.copyOf(built);
            list = resources;
        }
        return resources;
    }

    /**
     * The resources whose kind matches {@code filter}, e.g. only one role's, only scalars or only revocable ones. The
     * filter sees each kind (a Resource without its value, its reservation in canonical form), not the amounts.
     */
    public ResourceSet filter(Predicate<Resource> filter) {
        Map<Resource, Amount> kept = new LinkedHashMap<>();
        amounts.forEach((kind, amount) -> {
            if (filter.test(kind)) {
                kept.put(kind, amount);
            }
        });
        return kept.size() == amounts.size() ? this : create(kept);
    }

    /** Every resource marked as allocated to {@code role} (the {@code role} field itself is left as it is). */
    public ResourceSet withAllocationRole(String role) {
        Resource.AllocationInfo allocation = Resource.AllocationInfo.newBuilder().setRole(role).build();
        return mapKinds(kind -> kind.setAllocationInfo(allocation));
    }

    /** Every resource with its allocation info removed; amounts that become the same kind add up. */
    public ResourceSet withoutAllocationInfo() {
        if (amounts.keySet().stream().noneMatch(Resource::hasAllocationInfo)) {
            return this;
        }
        Map<Resource, Amount> changed = new LinkedHashMap<>();
        amounts.forEach((kind, amount) -> add(changed, Kinds.withoutAllocationInfo(kind), amount));
        return create(changed);
    }

    /**
     * The resources as {@code /master/state} shows them: scalars summed by name ({@code cpus}, {@code gpus},
     * {@code mem} and {@code disk} always present), ranges as {@code "[31000-32000, 33000-34000]"}, sets as
     * {@code "{a, b}"}; keys sorted; revocable resources left out, as Mesos does.
     */
    public Map<String, Object> flatten() {
        Map<String, Amount> byName = new TreeMap<>();
        amounts.forEach((kind, amount) -> {
            if (!kind.hasRevocable()) {
                byName.merge(kind.getName(), amount, (a, b) -> a.getClass() == b.getClass() ? a.plus(b) : a);
            }
        });
        Map<String, Object> flat = new TreeMap<>();
        ALWAYS_FLATTENED.forEach(name -> flat.put(name, 0.0));
        byName.forEach((name, amount) ->
                flat.put(name, amount instanceof Amount.Scalar scalar ? scalar.value() : amount.toString()));
        return Collections.unmodifiableMap(flat);
    }

    /** Mesos's text form, e.g. {@code cpus:4;mem:1024;ports:[31000-32000]}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        List<String> items = new ArrayList<>(amounts.size());
        amounts.forEach((kind, amount) -> items.add(ResourceText.format(kind, amount)));
        return String.join(";", items);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResourceSet other && amounts.equals(other.amounts);
    }

    @Override
    public int hashCode() {
        return amounts.hashCode();
    }

    private ResourceSet mapKinds(UnaryOperator<Resource.Builder> change) {
        Map<Resource, Amount> changed = new LinkedHashMap<>();
        amounts.forEach((kind, amount) -> add(changed, change.apply(kind.toBuilder()).build(), amount));
        return create(changed);
    }

    private static ResourceSet create(Map<Resource, Amount> amounts) {
        return amounts.isEmpty() ? EMPTY : new ResourceSet(Collections.unmodifiableMap(amounts));
    }

    private static void add(Map<Resource, Amount> amounts, Resource kind, Amount amount) {
        if (amount.isEmpty()) {
            return;
        }
        Amount sum = amounts.merge(kind, amount, Amount::plus);
        if (sum.isEmpty()) {
            amounts.remove(kind);
        }
    }

    private static Resource validated(Resource resource) {
        if (!resource.hasName() || resource.getName().isEmpty()) {
            throw new IllegalArgumentException("a resource needs a name");
        }
        if (!resource.hasType() || !AMOUNT_TYPES.contains(resource.getType())) {
            throw new IllegalArgumentException("type must be SCALAR, RANGES or SET, not "
                    + (resource.hasType() ? resource.getType() : "missing"));
        }
        boolean hasValue = switch (resource.getType()) {
            case SCALAR -> resource.hasScalar();
            case RANGES -> resource.hasRanges();
            default -> resource.hasSet();
        };
        if (!hasValue) {
            throw new IllegalArgumentException("a " + resource.getType() + " resource needs its "
                    + resource.getType().name().toLowerCase() + " field set");
        }
        return resource;
    }

    /**
     * The resource without its value, its reservation in the one form Corral keeps ({@link Reservations#canonical}):
     * what identifies which amounts may be added together.
     */
    private static Resource kindOf(Resource resource) {
        return Kinds.of(resource);
    }
}
