package io.corral.bench;

import io.corral.master.allocator.AllocationInput;
import io.corral.master.allocator.AllocationInput.AgentSlot;
import io.corral.master.allocator.AllocationInput.Filter;
import io.corral.master.allocator.AllocationInput.FrameworkDemand;
import io.corral.master.allocator.AllocationInput.RolePolicy;
import io.corral.master.allocator.HierarchicalDrfAllocator;
import io.corral.master.allocator.OfferProposal;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One allocation cycle of the hierarchical DRF allocator over an idle cluster: every agent's resources are free, so
 * the cycle divides the whole cluster among the frameworks that want offers (the heaviest cycle a master runs, after
 * a failover or when a large cluster starts). Agents have 32 cpus, 128 GiB and 1,001 ports; frameworks are spread
 * evenly over the roles and already hold some resources elsewhere.
 *
 * <p>{@code shape} is agents x frameworks x roles. {@code policies} adds what makes a cycle harder: a fifth of the
 * roles with quota guarantees and limits and weights other than 1, a reservation for some role on every fourth agent,
 * and each framework's decline filters on 1% of the agents.
 *
 * <p>Run on purpose with {@code bench/allocator} (not in {@code ./mvnw verify}); figures in
 * {@code docs/benchmarks.md}. Threading: JMH's; one benchmark thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class AllocatorCycleBenchmark {
    static final ResourceSet AGENT = ResourceSet.parse("cpus:32;mem:131072;disk:100000;ports:[31000-32000]");

    @Param({"2000x200x20", "10000x1000x100"})
    public String shape;

    @Param({"false", "true"})
    public boolean policies;

    private AllocationInput input;
    private final HierarchicalDrfAllocator allocator = new HierarchicalDrfAllocator();
    private final Random random = new Random(7);

    @Setup(Level.Trial)
    public void cluster() {
        String[] parts = shape.split("x");
        input = input(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), policies,
                new Random(42));
    }

    /** One cycle; its proposals are returned so the JIT cannot drop the work. */
    @Benchmark
    public List<OfferProposal> cycle() {
        return allocator.allocate(input, random);
    }

    static AllocationInput input(int agents, int frameworks, int roles, boolean policies, Random random) {
        List<AgentSlot> slots = new ArrayList<>(agents);
        for (int a = 0; a < agents; a++) {
            ResourceSet resources = AGENT;
            if (policies && a % 4 == 0) { // 4 cpus and 16 GiB of it reserved for one role
                resources = reserved(AGENT, "team-" + (a % roles));
            }
            slots.add(new AgentSlot("agent-" + a, "host-" + a, resources, resources));
        }
        List<FrameworkDemand> demands = new ArrayList<>(frameworks);
        Set<Filter> filters = new HashSet<>();
        for (int f = 0; f < frameworks; f++) {
            String role = "team-" + (f % roles);
            ResourceSet held = ResourceSet.parse("cpus:" + random.nextInt(64) + ";mem:" + random.nextInt(65536));
            demands.add(new FrameworkDemand("framework-" + f, role, held));
            if (policies) {
                for (int i = 0; i < agents / 100; i++) {
                    filters.add(new Filter("framework-" + f, "agent-" + random.nextInt(agents)));
                }
            }
        }
        Map<String, RolePolicy> rolePolicies = new HashMap<>();
        if (policies) {
            for (int r = 0; r < roles; r += 5) {
                rolePolicies.put("team-" + r, new RolePolicy(1 + r % 3,
                        ResourceSet.parse("cpus:" + 8 * agents / roles + ";mem:" + 32768L * agents / roles),
                        ResourceSet.parse("cpus:" + 48 * agents / roles)));
            }
        }
        return new AllocationInput(slots, demands, filters, rolePolicies);
    }

    private static ResourceSet reserved(ResourceSet agent, String role) {
        return agent.minus(ResourceSet.parse("cpus:4;mem:16384"))
                .plus(ResourceSet.parse("cpus(" + role + "):4;mem(" + role + "):16384"));
    }
}
