package io.corral.agent.http;

import io.corral.protocol.http.HttpError;
import io.corral.protocol.security.Acls;
import java.util.Optional;

/**
 * What one principal may see and do on this agent, under its {@code --acls} (Mesos's {@code ObjectApprovers} for one
 * request): the agent asks it once per request and object. The objects are Mesos's local authorizer's:
 *
 * <ul>
 *   <li>{@code access_sandboxes}: the user the sandbox's executor runs as
 *       ({@link io.corral.agent.AgentView#executorUser});
 *   <li>{@code view_frameworks}: the framework's user; {@code view_executors}: the executor's user;
 *       {@code view_tasks}: the task's user ({@link io.corral.agent.AgentView#taskUser});
 *   <li>{@code view_flags}: none.
 * </ul>
 *
 * <p>Without {@code --acls} the agent uses {@link #ALL}, whose every answer is yes without looking anything up, and
 * whose readers skip filtering altogether ({@link #permitsAll}): the cost of no ACLs is one comparison per request.
 *
 * <p>Immutable; thread-safe.
 */
public final class Approvals {
    /** Everything allowed: an agent without {@code --acls}. */
    public static final Approvals ALL = new Approvals(null, null);

    /** Null for {@link #ALL}. */
    private final Acls acls;
    /** Null when the request carries none (an {@code --insecure} agent): it matches only {@code ANY} rules. */
    private final String principal;

    private Approvals(Acls acls, String principal) {
        this.acls = acls;
        this.principal = principal;
    }

    /** The approvals of {@code principal} under {@code acls}; {@link #ALL} when the ACLs permit everything anyway. */
    public static Approvals of(Acls acls, Optional<String> principal) {
        return acls == Acls.permitAll() ? ALL : new Approvals(acls, principal.orElse(null));
    }

    /** True when nothing is ever denied: readers then serve the whole view without filtering it. */
    public boolean permitsAll() {
        return acls == null;
    }

    public boolean viewFlags() {
        return permits("view_flags", null);
    }

    public boolean viewFramework(String user) {
        return permits("view_frameworks", user);
    }

    public boolean viewExecutor(String user) {
        return permits("view_executors", user);
    }

    public boolean viewTask(String user) {
        return permits("view_tasks", user);
    }

    public boolean accessSandbox(String user) {
        return permits("access_sandboxes", user);
    }

    /** Checks {@code view_flags}: {@code 403} naming the action when denied. */
    public void requireViewFlags() {
        if (!viewFlags()) {
            throw denied("view the agent's flags", "view_flags");
        }
    }

    /** Checks {@code access_sandboxes} for a sandbox of {@code user}: {@code 403} naming the action when denied. */
    public void requireSandboxAccess(String user, String requested) {
        if (!accessSandbox(user)) {
            throw denied("access '" + requested + "', a sandbox of user '" + user + "'", "access_sandboxes");
        }
    }

    private boolean permits(String action, String object) {
        return acls == null || acls.permits(action, principal, object);
    }

    private HttpError denied(String what, String action) {
        return new HttpError(403, "Principal '" + (principal == null ? "" : principal) + "' is not authorized to "
                + what + " (ACL " + action + ")");
    }
}
