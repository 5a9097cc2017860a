package io.corral.master.allocator;

import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * The scalar resource names one allocation cycle deals with, numbered so that amounts are plain {@code long[]}
 * vectors in thousandths (as {@link ResourceSet} keeps scalars: sums and differences are exact). {@code cpus},
 * {@code mem}, {@code disk} and {@code gpus} always come first, in that order: the kinds dominant shares are
 * computed over.
 *
 * <p>Threading: confined to the cycle that built it.
 */
final class ScalarKinds {
    static final int CPUS = 0;
    static final int MEM = 1;
    /** How many kinds, from index 0, count towards dominant shares: cpus, mem, disk, gpus. */
    static final int FAIR = 4;
    /** Mesos's minimum allocatable resources: {@code cpus:0.01} or {@code mem:32}, in thousandths. */
    static final long MIN_CPUS_MILLIS = 10;
    static final long MIN_MEM_MILLIS = 32_000;

    private final Map<String, Integer> index = new HashMap<>();
    private final List<String> names = new ArrayList<>();

    ScalarKinds() {
        for (String name : List.of("cpus", "mem", "disk", "gpus")) {
            add(name);
        }
    }

    /** Numbers every scalar name in {@code resources} not numbered yet ({@code null} is taken as empty). */
    void addAll(ResourceSet resources) {
        if (resources == null) {
            return;
        }
        for (Resource resource : resources.toList()) {
            if (resource.getType() == Value.Type.SCALAR) {
                add(resource.getName());
            }
        }
    }

    int add(String name) {
        Integer known = index.get(name);
        if (known != null) {
            return known;
        }
        names.add(name);
        index.put(name, names.size() - 1);
        return names.size() - 1;
    }

    int size() {
        return names.size();
    }

    /** The kind's number, or -1 for a name not numbered. */
    int indexOf(String name) {
        Integer known = index.get(name);
        return known == null ? -1 : known;
    }

    /** The scalars of {@code resources} per kind, summed over roles and reservations; names not numbered are left out. */
    long[] millis(ResourceSet resources) {
        long[] amounts = new long[size()];
        if (resources == null) {
            return amounts;
        }
        for (Resource resource : resources.toList()) {
            if (resource.getType() == Value.Type.SCALAR) {
                int kind = indexOf(resource.getName());
                if (kind >= 0) {
                    amounts[kind] += millis(resource.getScalar().getValue());
                }
            }
        }
        return amounts;
    }

    static long millis(double value) {
        return Math.round(value * 1000.0);
    }

    /** Mesos's minimum allocatable rule: at least {@code cpus:0.01} or {@code mem:32}. */
    static boolean allocatable(long[] amounts) {
        return amounts[CPUS] >= MIN_CPUS_MILLIS || amounts[MEM] >= MIN_MEM_MILLIS;
    }
}
