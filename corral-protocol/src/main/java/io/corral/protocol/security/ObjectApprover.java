package io.corral.protocol.security;

import java.util.Set;

/**
 * One principal's ACL decisions for one action, worked out once so that a reader filtering thousands of objects
 * pays a set lookup per object, and nothing at all when the ACLs let the principal see every object (Mesos's
 * {@code ObjectApprover}). Built by {@link Acls#approver}.
 *
 * <p>Why two fields are enough: the rules whose principals match are tried in order; those naming values allow
 * exactly those values, and the first rule with objects {@code ANY} or {@code NONE} decides every object that no
 * earlier rule named (allow or deny); without such a rule {@code permissive} decides.
 *
 * <p>Immutable; thread-safe.
 *
 * @param allowed   the objects allowed by name (the values of the matching rules before the deciding one)
 * @param otherwise the answer for every other object
 */
public record ObjectApprover(Set<String> allowed, boolean otherwise) {
    private static final ObjectApprover ALL = new ObjectApprover(Set.of(), true);

    public ObjectApprover {
        allowed = Set.copyOf(allowed);
    }

    /** Every object allowed: what a principal gets without ACLs. */
    public static ObjectApprover all() {
        return ALL;
    }

    /** Whether the principal may act on {@code object} (null: an object without a name, e.g. a user not set). */
    public boolean permits(String object) {
        return otherwise || (object != null && allowed.contains(object));
    }

    /** True when every object is allowed, so callers can skip the per-object checks. */
    public boolean permitsAll() {
        return otherwise;
    }
}
