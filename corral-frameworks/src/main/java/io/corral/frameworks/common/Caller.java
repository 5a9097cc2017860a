package io.corral.frameworks.common;

import io.corral.protocol.security.Acls;
import java.util.Objects;
import java.util.Optional;

/**
 * Who sent a REST request, and what the cluster's ACLs (Mesos's {@code --acls}, the masters' file) let them do through
 * a framework. A framework runs every task under its own principal, so without this check anyone who may call its API
 * could have tasks run as any user the framework's principal may use. The rules, as a Mesos master applies them to a
 * framework's own principal:
 * <ul>
 *   <li>changing an app or job (create, update, scale, restart, rollback, remove, run now) needs {@code run_tasks}
 *       for the user its tasks run as (its {@code user}, else the framework's);</li>
 *   <li>seeing one (lists, details, versions, history, deployments) needs {@code view_tasks} for that user; what the
 *       caller may not see is left out of lists and answered 404, as if it did not exist.</li>
 * </ul>
 *
 * <p>Immutable; thread-safe. Checks run on the framework's loop, against the definition as it is at that moment.
 *
 * @param principal   the authenticated principal; empty on an {@code --insecure} server (then only rules for
 *                    {@code {"type": "ANY"}} principals match, as in Mesos)
 * @param acls        the cluster's ACLs ({@link Acls#permitAll()} without {@code --acls})
 * @param defaultUser the user tasks run as when a definition names none (the framework's FrameworkInfo.user)
 */
public record Caller(Optional<String> principal, Acls acls, String defaultUser) {
    public Caller {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(acls, "acls");
        Objects.requireNonNull(defaultUser, "defaultUser");
    }

    /** The user a definition's tasks run as: its own {@code user}, else the framework's. */
    public String userOf(String definitionUser) {
        return definitionUser != null ? definitionUser : defaultUser;
    }

    /** 403 unless the caller may have tasks run as {@code definitionUser} (null: the framework's user). */
    public void requireRunAs(String definitionUser, String what) {
        String user = userOf(definitionUser);
        if (!acls.permits("run_tasks", principal.orElse(null), user)) {
            throw new ApiException(403, who() + " may not run tasks as user '" + user + "', so it may not change "
                    + what + " (the run_tasks ACL); use a \"user\" the ACLs allow you, or ask an operator for a"
                    + " run_tasks rule");
        }
    }

    /** Whether the caller may see a definition whose tasks run as {@code definitionUser}. */
    public boolean maySee(String definitionUser) {
        return acls.permits("view_tasks", principal.orElse(null), userOf(definitionUser));
    }

    private String who() {
        return principal.map(p -> "principal '" + p + "'").orElse("an unauthenticated caller");
    }
}
