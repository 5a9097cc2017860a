package io.corral.master.allocator;

import io.corral.master.allocator.AllocationInput.FrameworkDemand;
import io.corral.master.allocator.AllocationInput.RolePolicy;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The hierarchical DRF sorter of one cycle: the role tree with every node's holdings and share, each node's active
 * children kept sorted by share, and the quota bookkeeping (what each role still needs to reach its guarantee, and
 * the headroom the cluster must keep for it).
 *
 * <p>Nodes:
 * <ul>
 *   <li>{@link Type#ROLE}: one per role path segment ("eng/web" is a child of "eng", which is a child of the root),
 *       holding what its whole subtree holds; its share is the dominant share of that divided by its weight.</li>
 *   <li>{@link Type#OWN}: the role's own frameworks, as a child of the role competing with its child roles (weight
 *       1; what Mesos's sorter calls the virtual leaf "eng/."). A role without child roles has it as its only
 *       child.</li>
 *   <li>{@link Type#FRAMEWORK}: one per framework, under its role's OWN node; its share is its own dominant
 *       share.</li>
 * </ul>
 * A node is active when some framework is below it; only active nodes sit in their parent's sorted children. Roles
 * with a guarantee but no framework are inactive nodes: they take no offers but count towards the headroom.
 *
 * <p>{@link #allocate} adds a grant to a framework and every node above it, moving each one in its parent's sorted
 * set: O(depth x log(siblings)), nothing rescanned.
 *
 * <p>Threading: confined to the cycle that built it.
 */
final class ShareTree {
    enum Type { ROLE, OWN, FRAMEWORK }

    /** Lowest share first; ties by fewer grants this cycle, then name, then input order. */
    static final Comparator<Node> ORDER = ShareTree::compare;

    static final class Node {
        final Type type;
        final String name;
        final int seq;
        final Node parent;
        final int depth;
        final double weight;
        /** Per kind, in thousandths: what the node's subtree holds, with this cycle's grants. */
        final long[] held;
        /** Active children, lowest share first; null for frameworks. */
        final TreeSet<Node> children;
        double share;
        int picks;
        boolean active;
        /** ROLE: its own frameworks, or null. */
        Node own;
        /** ROLE: per kind guarantee, or null for none. */
        long[] guarantee;
        /** ROLE: per kind limit ({@link Long#MAX_VALUE}: none), or null for none at all. */
        long[] limit;
        /** ROLE: headroom this subtree needs: max(unmet guarantee, children's required), per kind. */
        long[] required;
        /** ROLE (and root): sum of the children's {@link #required}; the root's is the cluster's headroom. */
        long[] childRequired;
        /** FRAMEWORK: the framework. */
        FrameworkDemand demand;
        /** FRAMEWORK: the agent it was last granted in the fair stage, to grant it once per agent. */
        int stamp = -1;

        Node(Type type, String name, int seq, Node parent, double weight, int kinds) {
            this.type = type;
            this.name = name;
            this.seq = seq;
            this.parent = parent;
            this.depth = parent == null ? 0 : parent.depth + 1;
            this.weight = weight;
            this.held = new long[kinds];
            this.children = type == Type.FRAMEWORK ? null : new TreeSet<>(ORDER);
        }

        /** FRAMEWORK: the role whose OWN node it is under. */
        Node role() {
            return parent.parent;
        }

        @Override
        public String toString() {
            return type + " " + name + " share " + share;
        }
    }

    private final Map<String, RolePolicy> policies;
    private final int kinds;
    private final ScalarKinds kindIndex;
    private final long[] fairTotals;
    private final Node root;
    private final Map<String, Node> roles = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Node> clientRoles = new ArrayList<>();
    private boolean hasGuarantees;
    private boolean hasLimits;
    private int seq;

    /**
     * @param fairTotals the cluster's total cpus, mem, disk and gpus in thousandths (a kind with 0 total does not
     *                   count towards shares)
     */
    ShareTree(AllocationInput input, ScalarKinds kindIndex, long[] fairTotals) {
        this.policies = input.roles();
        this.kindIndex = kindIndex;
        this.kinds = kindIndex.size();
        this.fairTotals = fairTotals;
        this.root = new Node(Type.ROLE, "", seq++, null, 1.0, kinds);
        root.childRequired = new long[kinds];
        for (FrameworkDemand demand : input.frameworks()) {
            Node role = role(pathOf(demand.role()));
            if (role.own == null) {
                role.own = node(Type.OWN, ".", role, 1.0);
                clientRoles.add(role);
            }
            Node leaf = node(Type.FRAMEWORK, demand.frameworkId(), role.own, 1.0);
            leaf.demand = demand;
            long[] held = kindIndex.millis(demand.held());
            for (Node n = leaf; n != null; n = n.parent) {
                add(n.held, held);
                n.active = true;
            }
        }
        for (AllocationInput.RoleHolding holding : input.idle()) {
            long[] held = kindIndex.millis(holding.held());
            for (Node n = role(pathOf(holding.role())); n != null; n = n.parent) {
                add(n.held, held); // counts towards shares and quota, but makes no node active
            }
        }
        // Sorted, so that the tree is built the same way whatever the map's iteration order.
        new TreeMap<>(policies).forEach((path, policy) -> {
            if (policy != null && policy.guarantees() != null && !policy.guarantees().isEmpty()) {
                role(path);
            }
        });
        for (Node node : nodes) {
            if (node.active) {
                node.share = shareOf(node);
                node.parent.children.add(node);
            }
        }
        if (hasGuarantees) {
            List<Node> deepestFirst = new ArrayList<>();
            for (Node node : nodes) {
                if (node.type == Type.ROLE) {
                    deepestFirst.add(node);
                }
            }
            deepestFirst.sort(Comparator.comparingInt((Node n) -> n.depth).reversed());
            for (Node role : deepestFirst) {
                for (int k = 0; k < kinds; k++) {
                    role.required[k] = Math.max(unmet(role, k), role.childRequired[k]);
                    role.parent.childRequired[k] += role.required[k];
                }
            }
        }
    }

    Node root() {
        return root;
    }

    /** Roles with frameworks of their own, in input order. */
    List<Node> clientRoles() {
        return clientRoles;
    }

    boolean hasGuarantees() {
        return hasGuarantees;
    }

    boolean hasLimits() {
        return hasLimits;
    }

    /** Per kind: resources the cluster must keep unallocated for guarantees not met yet (do not modify). */
    long[] requiredHeadroom() {
        return root.childRequired;
    }

    /** Counts {@code amounts} (per kind) as held by the framework {@code leaf} and everything above it. */
    void allocate(Node leaf, long[] amounts) {
        for (Node n = leaf; n != root; n = n.parent) {
            n.parent.children.remove(n);
            add(n.held, amounts);
            n.picks++;
            n.share = shareOf(n);
            n.parent.children.add(n);
        }
        add(root.held, amounts);
        if (hasGuarantees) {
            for (Node n = leaf.role(); n != root; n = n.parent) {
                for (int k = 0; k < kinds; k++) {
                    long required = Math.max(unmet(n, k), n.childRequired[k]);
                    n.parent.childRequired[k] += required - n.required[k];
                    n.required[k] = required;
                }
            }
        }
    }

    /**
     * How much of each kind, granted to {@code role}, goes to meeting guarantees (its own or its ancestors'): the
     * cluster's required headroom falls one for one with a grant up to this amount, and not at all beyond it.
     * Returns true when some kind has a need.
     *
     * <p>Why one for one then flat: a role's required headroom is max(unmet guarantee, sum of its children's), each
     * term falls with slope 1 or 0 as the role is granted more, and a maximum of such convex terms is convex; so the
     * total falls with slope 1 until it stops falling. The amount is the total's fall if the role and its ancestors
     * were granted without bound (their unmet guarantees gone), worked out along the path.
     */
    boolean quotaNeed(Node role, long[] need) {
        if (!hasGuarantees) {
            Arrays.fill(need, 0);
            return false;
        }
        boolean any = false;
        for (int k = 0; k < kinds; k++) {
            long fall = role.required[k] - role.childRequired[k];
            for (Node n = role.parent; n != root; n = n.parent) {
                long without = n.childRequired[k] - fall;
                fall = n.required[k] - without;
            }
            need[k] = fall;
            any |= fall > 0;
        }
        return any;
    }

    /** Per kind: how much more {@code role} may hold under its limits and its ancestors' ({@link Long#MAX_VALUE}: no limit). */
    void limitRoom(Node role, long[] room) {
        Arrays.fill(room, Long.MAX_VALUE);
        if (!hasLimits) {
            return;
        }
        for (Node n = role; n != root; n = n.parent) {
            if (n.limit != null) {
                for (int k = 0; k < kinds; k++) {
                    if (n.limit[k] != Long.MAX_VALUE) {
                        room[k] = Math.min(room[k], Math.max(0, n.limit[k] - n.held[k]));
                    }
                }
            }
        }
    }

    static int compare(Node a, Node b) {
        int c = Double.compare(a.share, b.share);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(a.picks, b.picks);
        if (c != 0) {
            return c;
        }
        c = a.name.compareTo(b.name);
        return c != 0 ? c : Integer.compare(a.seq, b.seq);
    }

    /**
     * The lowest-share framework at or below role {@code path} (by share at every level) that {@code eligible}
     * accepts; null when there is none (or no framework of that subtree wants offers).
     */
    Node lowestFrameworkWithin(String path, java.util.function.Predicate<Node> eligible) {
        Node role = roles.get(path);
        return role == null || !role.active ? null : lowestFramework(role, eligible);
    }

    private static Node lowestFramework(Node node, java.util.function.Predicate<Node> eligible) {
        for (Node child : node.children) {
            if (child.type == Type.FRAMEWORK) {
                if (eligible.test(child)) {
                    return child;
                }
            } else {
                Node found = lowestFramework(child, eligible);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** The role's node, made with its ancestors if new. */
    private Node role(String path) {
        Node known = roles.get(path);
        if (known != null) {
            return known;
        }
        int slash = path.lastIndexOf('/');
        Node parent = slash <= 0 ? root : role(path.substring(0, slash));
        RolePolicy policy = policies.get(path);
        if (policy == null) {
            policy = RolePolicy.DEFAULT;
        }
        double weight = policy.weight() > 0 && Double.isFinite(policy.weight()) ? policy.weight() : 1.0;
        Node node = node(Type.ROLE, path, parent, weight);
        node.childRequired = new long[kinds];
        node.required = new long[kinds];
        if (policy.guarantees() != null && !policy.guarantees().isEmpty()) {
            node.guarantee = kindIndex.millis(policy.guarantees());
            hasGuarantees = true;
        }
        if (policy.limits() != null && !policy.limits().isEmpty()) {
            node.limit = limits(policy.limits());
            hasLimits = true;
        }
        roles.put(path, node);
        return node;
    }

    /** Per kind the limit, {@link Long#MAX_VALUE} for kinds not limited (a ResourceSet cannot hold a zero amount). */
    private long[] limits(ResourceSet limits) {
        long[] limit = kindIndex.millis(limits);
        for (int k = 0; k < kinds; k++) {
            if (limit[k] == 0) {
                limit[k] = Long.MAX_VALUE;
            }
        }
        return limit;
    }

    private Node node(Type type, String name, Node parent, double weight) {
        Node node = new Node(type, name, seq++, parent, weight, kinds);
        nodes.add(node);
        return node;
    }

    private long unmet(Node role, int kind) {
        return role.guarantee == null ? 0 : Math.max(0, role.guarantee[kind] - role.held[kind]);
    }

    private double shareOf(Node node) {
        double share = 0;
        for (int k = 0; k < ScalarKinds.FAIR; k++) {
            if (fairTotals[k] > 0) {
                share = Math.max(share, (double) node.held[k] / fairTotals[k]);
            }
        }
        return share / node.weight;
    }

    private static String pathOf(String role) {
        return role == null || role.isEmpty() ? "*" : role;
    }

    private static void add(long[] into, long[] amounts) {
        for (int k = 0; k < into.length; k++) {
            into[k] += amounts[k];
        }
    }
}
