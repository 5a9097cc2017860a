package io.corral.protocol.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/** Algebraic laws of resource arithmetic over random agents' worth of resources. */
class ResourceSetPropertyTest {

    @Property(tries = 300)
    void addingThenSubtractingDisjointResourcesGivesBackTheOriginal(
            @ForAll("low") ResourceSet a, @ForAll("high") ResourceSet b) {
        assertThat(a.plus(b).minus(b)).isEqualTo(a);
        assertThat(a.plus(b).minus(a)).isEqualTo(b);
    }

    @Property(tries = 300)
    void aSetContainsItselfAndEverySumContainsItsParts(@ForAll("any") ResourceSet a, @ForAll("any") ResourceSet b) {
        assertThat(a.contains(a)).isTrue();
        assertThat(a.contains(ResourceSet.empty())).isTrue();
        assertThat(a.plus(b).contains(a)).isTrue();
        assertThat(a.plus(b).contains(b)).isTrue();
        assertThat(a.plus(b)).isEqualTo(b.plus(a));
        assertThat(a.minus(a).isEmpty()).isTrue();
    }

    @Property(tries = 300)
    void subtractingAContainedPartNeverGoesNegativeAndAddsBack(
            @ForAll("any") ResourceSet a, @ForAll("any") ResourceSet b) {
        ResourceSet whole = a.plus(b);

        ResourceSet rest = whole.minus(b);

        assertThat(rest.plus(b)).isEqualTo(whole);
        assertThat(rest.toList()).allSatisfy(r -> {
            if (r.getType() == Value.Type.SCALAR) {
                assertThat(r.getScalar().getValue()).isPositive();
            }
        });
        assertThat(millis(whole.scalar("cpus"))).isEqualTo(millis(rest.scalar("cpus")) + millis(b.scalar("cpus")));
    }

    @Property(tries = 300)
    void subtractingWhatIsNotContainedFails(@ForAll("any") ResourceSet a, @ForAll("any") ResourceSet b) {
        if (a.contains(b)) {
            assertThat(a.minus(b).plus(b)).isEqualTo(a);
        } else {
            assertThatThrownBy(() -> a.minus(b)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Property(tries = 300)
    void rangesStayNormalized(@ForAll("any") ResourceSet a, @ForAll("any") ResourceSet b) {
        ResourceSet whole = a.plus(b);
        for (ResourceSet result : List.of(a, whole, whole.minus(a), whole.minus(b))) {
            for (Resource resource : result.toList()) {
                if (resource.getType() == Value.Type.RANGES) {
                    assertNormalized(resource.getRanges());
                }
            }
            assertNormalized(result.ranges("ports"));
        }
    }

    @Property(tries = 300)
    void aSetTimesNIsTheSetAddedNTimes(@ForAll("any") ResourceSet a, @ForAll @IntRange(min = 1, max = 40) int times) {
        List<ResourceSet> copies = java.util.Collections.nCopies(times, a);

        assertThat(a.timesAtMost(times)).isEqualTo(ResourceSet.sumAtMost(copies));
        assertThat(a.timesAtMost(1)).isSameAs(a);
    }

    @Property(tries = 200)
    void textFormRoundTrips(@ForAll("any") ResourceSet a) {
        ResourceSet unallocated = a.withoutAllocationInfo();

        assertThat(ResourceSet.parse(unallocated.toString().isEmpty() ? ";" : unallocated.toString()))
                .isEqualTo(unallocated);
    }

    private static long millis(double scalar) {
        return Math.round(scalar * 1000);
    }

    /** Sorted, begin <= end, and a gap of at least one value between neighbours (unsigned order). */
    private static void assertNormalized(Value.Ranges ranges) {
        List<Value.Range> list = ranges.getRangeList();
        for (int i = 0; i < list.size(); i++) {
            assertThat(Long.compareUnsigned(list.get(i).getBegin(), list.get(i).getEnd())).isLessThanOrEqualTo(0);
            if (i > 0) {
                long previousEnd = list.get(i - 1).getEnd();
                assertThat(previousEnd).isNotEqualTo(-1L);
                assertThat(Long.compareUnsigned(previousEnd + 1, list.get(i).getBegin())).isLessThan(0);
            }
        }
    }

    @Provide
    Arbitrary<ResourceSet> any() {
        return anyResourceSets();
    }

    /** Scalars (1e11 among them, so a few sums pass 1e12), ranges and sets, of several roles. */
    static Arbitrary<ResourceSet> anyResourceSets() {
        return resourceSets(0, 2_000, List.of("a", "b", "c", "x", "y"));
    }

    /** Ranges from the lower half and items a..c; disjoint from {@link #high()} (but adjacent at 1000/1001). */
    @Provide
    Arbitrary<ResourceSet> low() {
        return resourceSets(0, 1_000, List.of("a", "b", "c"));
    }

    @Provide
    Arbitrary<ResourceSet> high() {
        return resourceSets(1_001, 2_000, List.of("x", "y"));
    }

    private static Arbitrary<ResourceSet> resourceSets(long rangeMin, long rangeMax, List<String> items) {
        return Arbitraries.oneOf(scalars(), ranges(rangeMin, rangeMax), sets(items))
                .list().ofMaxSize(8)
                .map(ResourceSet::of);
    }

    private static Arbitrary<Resource> scalars() {
        Arbitrary<Double> values = Arbitraries.oneOf(
                Arbitraries.longs().between(0, 100_000_000).map(millis -> millis / 1000.0),
                Arbitraries.of(0.1, 0.2, 0.3, 0.7, 1.0 / 3, 1e11));
        return Combinators.combine(Arbitraries.of("cpus", "mem", "disk", "gpus"), values, shape())
                .as((name, value, shape) -> shape.setName(name).setType(Value.Type.SCALAR)
                        .setScalar(Value.Scalar.newBuilder().setValue(value)).build());
    }

    private static Arbitrary<Resource> ranges(long min, long max) {
        Arbitrary<Value.Range> range = Arbitraries.longs().between(min, max).tuple2()
                .map(t -> Value.Range.newBuilder().setBegin(Math.min(t.get1(), t.get2()))
                        .setEnd(Math.max(t.get1(), t.get2())).build());
        // Near the top of the unsigned range too, where overflow would bite.
        Arbitrary<Value.Range> top = Arbitraries.longs().between(-20, -1)
                .map(begin -> Value.Range.newBuilder().setBegin(begin).setEnd(-1L).build());
        Arbitrary<Value.Range> anyRange = min == 0 ? Arbitraries.frequencyOf(
                Tuple.of(9, range), Tuple.of(1, top)) : range;
        return Combinators.combine(anyRange.list().ofMaxSize(4), shape())
                .as((list, shape) -> shape.setName("ports").setType(Value.Type.RANGES)
                        .setRanges(Value.Ranges.newBuilder().addAllRange(list)).build());
    }

    private static Arbitrary<Resource> sets(List<String> items) {
        return Combinators.combine(Arbitraries.of(items).list().ofMaxSize(3), shape())
                .as((list, shape) -> shape.setName("zones").setType(Value.Type.SET)
                        .setSet(Value.Set.newBuilder().addAllItem(list)).build());
    }

    /** Role (sometimes left unset), and sometimes an allocation role. */
    private static Arbitrary<Resource.Builder> shape() {
        return Combinators.combine(Arbitraries.of("", "*", "eng", "ops"), Arbitraries.of("", "eng"))
                .as((role, allocated) -> {
                    Resource.Builder resource = Resource.newBuilder();
                    if (!role.isEmpty()) {
                        resource.setRole(role);
                    }
                    if (!allocated.isEmpty()) {
                        resource.setAllocationInfo(Resource.AllocationInfo.newBuilder().setRole(allocated));
                    }
                    return resource;
                });
    }
}
