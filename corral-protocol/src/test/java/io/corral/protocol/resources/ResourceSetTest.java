package io.corral.protocol.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;

class ResourceSetTest {

    private static Resource scalar(String name, double value) {
        return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
    }

    private static Resource ports(long... bounds) {
        Value.Ranges.Builder ranges = Value.Ranges.newBuilder();
        for (int i = 0; i < bounds.length; i += 2) {
            ranges.addRange(Value.Range.newBuilder().setBegin(bounds[i]).setEnd(bounds[i + 1]));
        }
        return Resource.newBuilder().setName("ports").setType(Value.Type.RANGES).setRanges(ranges).build();
    }

    private static Value.Ranges ranges(long... bounds) {
        return ports(bounds).getRanges();
    }

    @Test
    void scalarsAreExactToAThousandth() {
        ResourceSet sum = ResourceSet.of(List.of(scalar("cpus", 0.1))).plus(ResourceSet.of(List.of(scalar("cpus", 0.2))));

        ResourceSet left = sum.minus(ResourceSet.of(List.of(scalar("cpus", 0.3))));

        assertThat(left.isEmpty()).isTrue();
        assertThat(left).isEqualTo(ResourceSet.empty());
        assertThat(left.scalar("cpus")).isZero();
        assertThat(ResourceSet.of(List.of(scalar("cpus", 0.0004))).isEmpty()).isTrue();
        assertThat(ResourceSet.of(List.of(scalar("mem", 1.0005))).scalar("mem")).isEqualTo(1.001);
    }

    @Test
    void parsesTheAgentFlagForm() {
        ResourceSet resources = ResourceSet.parse("cpus:4;mem:1024;disk:2000;ports:[31000-32000]");

        assertThat(resources.scalar("cpus")).isEqualTo(4.0);
        assertThat(resources.scalar("mem")).isEqualTo(1024.0);
        assertThat(resources.scalar("disk")).isEqualTo(2000.0);
        assertThat(resources.scalar("gpus")).isZero();
        assertThat(resources.ranges("ports")).isEqualTo(ranges(31000, 32000));
        assertThat(resources.toList()).allSatisfy(r -> assertThat(r.getRole()).isEqualTo("*"));
        assertThat(resources.toList()).extracting(Resource::getName).containsExactly("cpus", "mem", "disk", "ports");
        assertThat(resources.toString()).isEqualTo("cpus:4;mem:1024;disk:2000;ports:[31000-32000]");
    }

    @Test
    void parsesRolesSetsAndSpacing() {
        ResourceSet resources = ResourceSet.parse(
                " cpus(*):2.5 ; cpus(eng):1;ports(*):[31000-31999, 32000-32010,1-2];zones:{b,a} ;");

        assertThat(resources.scalar("cpus")).isEqualTo(3.5);
        assertThat(resources.ranges("ports")).isEqualTo(ranges(1, 2, 31000, 32010));
        assertThat(resources.set("zones")).containsExactly("a", "b");
        assertThat(resources.toList()).filteredOn(r -> r.getName().equals("cpus"))
                .extracting(Reservations::role).containsExactly("*", "eng");
        assertThat(resources.toString()).isEqualTo("cpus:2.5;cpus(eng):1;ports:[1-2, 31000-32010];zones:{a, b}");
        assertThat(ResourceSet.parse(resources.toString())).isEqualTo(resources);
    }

    @Test
    void badFlagItemsAreNamedWithTheExpectedForm() {
        assertThatThrownBy(() -> ResourceSet.parse("cpus:4;mem:lots"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid resource 'mem:lots': the value must be a number")
                .hasMessageContaining("e.g. cpus:4;mem:1024;disk:2000;ports:[31000-32000]");
        assertThatThrownBy(() -> ResourceSet.parse("cpus"))
                .hasMessageStartingWith("Invalid resource 'cpus': it is not name[(role)]:value");
        assertThatThrownBy(() -> ResourceSet.parse("ports:[32000-31000]"))
                .hasMessageStartingWith("Invalid resource 'ports:[32000-31000]': range '32000-31000' has begin > end");
        assertThatThrownBy(() -> ResourceSet.parse("ports:[31000]"))
                .hasMessageStartingWith("Invalid resource 'ports:[31000]': '31000' is not a range begin-end");
        assertThatThrownBy(() -> ResourceSet.parse("ports:[1-2"))
                .hasMessageStartingWith("Invalid resource 'ports:[1-2': ranges must end with ']'");
        assertThatThrownBy(() -> ResourceSet.parse("cpus:-1"))
                .hasMessageStartingWith("Invalid resource 'cpus:-1': the value must be a number from 0 to 1e12");
        assertThatThrownBy(() -> ResourceSet.parse("cpus():1"))
                .hasMessageStartingWith("Invalid resource 'cpus():1': the role in parentheses must be");
        assertThatThrownBy(() -> ResourceSet.parse(""))
                .hasMessageStartingWith("No resources given; expected name[(role)]:value");
    }

    @Test
    void rangesMergeAndSplit() {
        ResourceSet all = ResourceSet.of(List.of(ports(31000, 31010, 31011, 31020, 5, 5)));

        ResourceSet left = all.minus(ResourceSet.of(List.of(ports(31005, 31006, 5, 5))));

        assertThat(all.ranges("ports")).isEqualTo(ranges(5, 5, 31000, 31020));
        assertThat(left.ranges("ports")).isEqualTo(ranges(31000, 31004, 31007, 31020));
        assertThat(left.flatten()).containsEntry("ports", "[31000-31004, 31007-31020]");
        assertThat(left.plus(ResourceSet.of(List.of(ports(31005, 31006)))).ranges("ports"))
                .isEqualTo(ranges(31000, 31020));
    }

    @Test
    void rangesUseUnsigned64BitBounds() {
        long max = -1L; // 18446744073709551615
        ResourceSet top = ResourceSet.of(List.of(ports(Long.MAX_VALUE, max, 0, 0)));

        ResourceSet cut = top.minus(ResourceSet.of(List.of(ports(max, max, Long.MIN_VALUE, Long.MIN_VALUE))));

        assertThat(top.toString()).isEqualTo("ports:[0-0, 9223372036854775807-18446744073709551615]");
        assertThat(cut.ranges("ports")).isEqualTo(ranges(0, 0, Long.MAX_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, -2L));
        assertThat(ResourceSet.parse(top.toString())).isEqualTo(top);
    }

    @Test
    void minusRefusesWhatIsNotThere() {
        ResourceSet agent = ResourceSet.parse("cpus:4;mem:1024;ports:[31000-32000]");

        assertThatThrownBy(() -> agent.minus(ResourceSet.parse("cpus:5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot subtract cpus:5 from cpus:4;mem:1024;ports:[31000-32000]: "
                        + "it holds resources this set does not");
        assertThatThrownBy(() -> agent.minus(ResourceSet.parse("ports:[30999-31000]")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> agent.minus(ResourceSet.parse("cpus(eng):1")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> agent.minus(ResourceSet.parse("cpus:1").withAllocationRole("eng")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roleOmittedByAFrameworkMatchesTheAgentsStar() {
        ResourceSet offered = ResourceSet.parse("cpus:4;mem:1024").withAllocationRole("eng");
        Resource fromFramework = scalar("cpus", 1).toBuilder()
                .setAllocationInfo(Resource.AllocationInfo.newBuilder().setRole("eng")).build();

        ResourceSet left = offered.minus(ResourceSet.of(List.of(fromFramework)));

        assertThat(left.scalar("cpus")).isEqualTo(3.0);
    }

    @Test
    void allocationRoleIsSetAndRemovedWithoutTouchingRole() {
        ResourceSet agent = ResourceSet.parse("cpus:4;cpus(ops):1;mem:1024");

        ResourceSet allocated = agent.withAllocationRole("eng");

        assertThat(allocated.toList()).allSatisfy(r -> assertThat(r.getAllocationInfo().getRole()).isEqualTo("eng"));
        assertThat(allocated.toList()).extracting(Reservations::role).containsExactly("*", "ops", "*");
        assertThat(agent.contains(allocated)).isFalse();
        assertThat(allocated.withoutAllocationInfo()).isEqualTo(agent);
        assertThat(allocated.toString()).isEqualTo("cpus(allocated: eng):4;cpus(ops)(allocated: eng):1;"
                + "mem(allocated: eng):1024");
    }

    @Test
    void removingAllocationInfoMergesWhatBecomesTheSameKind() {
        ResourceSet mixed = ResourceSet.parse("cpus:1").withAllocationRole("a")
                .plus(ResourceSet.parse("cpus:2").withAllocationRole("b"));

        assertThat(mixed.toList()).hasSize(2);
        assertThat(mixed.withoutAllocationInfo().toList()).containsExactly(scalar("cpus", 3).toBuilder()
                .setRole("*").build());
    }

    @Test
    void flattenLooksLikeMasterState() {
        ResourceSet resources = ResourceSet.parse("cpus:4;mem:8192;ports:[31000-32000];cpus(eng):0.5;zones:{b,a}")
                .plus(ResourceSet.of(List.of(scalar("cpus", 100).toBuilder()
                        .setRevocable(Resource.RevocableInfo.getDefaultInstance()).build())));

        assertThat(resources.flatten()).containsExactly(
                entry("cpus", 4.5), entry("disk", 0.0), entry("gpus", 0.0), entry("mem", 8192.0),
                entry("ports", "[31000-32000]"), entry("zones", "{a, b}"));
        assertThat(ResourceSet.empty().flatten()).containsOnlyKeys("cpus", "gpus", "mem", "disk");
    }

    /** Totals over several agents: a scalar stops at the largest, other kinds add up as {@code plus} does. */
    @Test
    void plusAtMostStopsAScalarAtTheLargestAmount() {
        ResourceSet huge = ResourceSet.of(List.of(scalar("mem", 1e12), scalar("cpus", 1)));

        ResourceSet sum = huge.plusAtMost(huge).plusAtMost(ResourceSet.parse("cpus:0.5;ports:[1-2]"));

        assertThat(sum).isEqualTo(ResourceSet.parse("mem:1000000000000;cpus:2.5;ports:[1-2]"));
        assertThat(ResourceSet.parse("cpus:1").plusAtMost(ResourceSet.parse("cpus:2")))
                .isEqualTo(ResourceSet.parse("cpus:3"));
    }

    @Test
    void invalidProtobufResourcesAreRejectedByName() {
        assertThatThrownBy(() -> ResourceSet.of(List.of(scalar("cpus", -1))))
                .hasMessage("Invalid resource 'cpus': scalar value -1.0 must be a number from 0 to 1e12");
        assertThatThrownBy(() -> ResourceSet.of(List.of(scalar("cpus", Double.NaN))))
                .isInstanceOf(IllegalArgumentException.class);
        ResourceSet huge = ResourceSet.of(List.of(scalar("mem", 1e12)));
        assertThatThrownBy(() -> huge.plus(ResourceSet.parse("mem:0.001")))
                .hasMessage("scalar total 1000000000000 + 0.001 exceeds 1e12");
        assertThatThrownBy(() -> ResourceSet.of(List.of(Resource.newBuilder().setName("mem")
                .setType(Value.Type.SCALAR).build())))
                .hasMessage("Invalid resource 'mem': a SCALAR resource needs its scalar field set");
        assertThatThrownBy(() -> ResourceSet.of(List.of(Resource.newBuilder().setName("os")
                .setType(Value.Type.TEXT).build())))
                .hasMessage("Invalid resource 'os': type must be SCALAR, RANGES or SET, not TEXT");
        assertThatThrownBy(() -> ResourceSet.of(List.of(ports(10, 9))))
                .hasMessage("Invalid resource 'ports': range [10-9] has begin > end");
    }

    @Test
    void emptyValuesVanish() {
        ResourceSet resources = ResourceSet.of(List.of(scalar("cpus", 0), ports(),
                Resource.newBuilder().setName("zones").setType(Value.Type.SET).setSet(Value.Set.getDefaultInstance())
                        .build()));

        assertThat(resources.isEmpty()).isTrue();
        assertThat(resources.toList()).isEmpty();
        assertThat(resources.toString()).isEmpty();
    }

    @Test
    void filterKeepsMatchingResources() {
        ResourceSet resources = ResourceSet.parse("cpus:4;cpus(eng):2;mem(eng):10");

        assertThat(resources.filter(r -> Reservations.role(r).equals("eng"))).isEqualTo(ResourceSet.parse("cpus(eng):2;mem(eng):10"));
    }

    /** Plain resources share their kinds (Kinds); anything that makes a resource different stays its own kind. */
    @Test
    void onlyResourcesOfTheSameKindAddUp() {
        Resource plain = scalar("cpus", 1);
        Resource revocable = plain.toBuilder().setRevocable(Resource.RevocableInfo.getDefaultInstance()).build();
        Resource allocated = plain.toBuilder().setAllocationInfo(Resource.AllocationInfo.newBuilder().setRole("a"))
                .build();
        Resource unknownField = plain.toBuilder().setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(999, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build())
                .build();
        Resource star = plain.toBuilder().setRole("*").build();

        ResourceSet all = ResourceSet.of(List.of(plain, revocable, allocated, unknownField, star, plain));

        assertThat(all.toList()).hasSize(4);
        assertThat(all.filter(r -> !r.hasRevocable() && !r.hasAllocationInfo()
                && r.getUnknownFields().asMap().isEmpty()).scalar("cpus")).isEqualTo(3.0);
        assertThat(all.withoutAllocationInfo().toList()).hasSize(3);
        assertThat(all.filter(r -> r.getType() == Value.Type.SCALAR)).isSameAs(all);
    }
}
