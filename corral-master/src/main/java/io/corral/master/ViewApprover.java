package io.corral.master;

import io.corral.protocol.security.Acls;
import io.corral.protocol.security.ObjectApprover;
import java.util.Optional;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskInfo;

/**
 * What one reader may see of the master's state, by Mesos's view ACLs (Mesos's {@code ObjectApprovers}): built once
 * per request (or per operator event stream) from the reader's principal and the master's ACLs, then asked about
 * each object while the published view is rendered. What it does not approve is left out of the answer, never
 * refused with 403, as Mesos does.
 * <ul>
 *   <li>{@code view_frameworks}: a framework, by its {@code FrameworkInfo.user};</li>
 *   <li>{@code view_tasks}: a task, by the user it runs as ({@link TaskUser});</li>
 *   <li>{@code view_executors}: an executor, by its command's user, else its framework's;</li>
 *   <li>{@code view_roles}: a role's weight and use, and resources reserved or allocated to it;</li>
 *   <li>{@code get_quotas}: a role's quota;</li>
 *   <li>{@code view_flags}: the master's flags.</li>
 * </ul>
 * Without ACLs, or with ACLs that let the reader see every object of an action, the {@code seesAll...} answers let
 * callers skip the per-object checks altogether.
 *
 * <p>Immutable; thread-safe.
 */
public final class ViewApprover {
    private static final ViewApprover ALL = new ViewApprover(ObjectApprover.all(), ObjectApprover.all(),
            ObjectApprover.all(), ObjectApprover.all(), ObjectApprover.all(), ObjectApprover.all());

    private final ObjectApprover frameworks;
    private final ObjectApprover tasks;
    private final ObjectApprover executors;
    private final ObjectApprover roles;
    private final ObjectApprover quotas;
    private final ObjectApprover flags;

    private ViewApprover(ObjectApprover frameworks, ObjectApprover tasks, ObjectApprover executors,
                         ObjectApprover roles, ObjectApprover quotas, ObjectApprover flags) {
        this.frameworks = frameworks;
        this.tasks = tasks;
        this.executors = executors;
        this.roles = roles;
        this.quotas = quotas;
        this.flags = flags;
    }

    /** A reader who sees everything: a master without ACLs. */
    public static ViewApprover all() {
        return ALL;
    }

    /** @param principal the reader's authenticated principal; empty on an {@code --insecure} master */
    public static ViewApprover of(Acls acls, Optional<String> principal) {
        if (acls == Acls.permitAll()) {
            return ALL;
        }
        String who = principal.orElse(null);
        ViewApprover approver = new ViewApprover(acls.approver("view_frameworks", who),
                acls.approver("view_tasks", who), acls.approver("view_executors", who),
                acls.approver("view_roles", who), acls.approver("get_quotas", who), acls.approver("view_flags", who));
        return approver.seesAllFrameworks() && approver.seesAllRoles() && approver.seesAllQuotas()
                && approver.flags() ? ALL : approver;
    }

    /** True when every framework, task and executor is shown: nothing of them needs checking. */
    public boolean seesAllFrameworks() {
        return frameworks.permitsAll() && tasks.permitsAll() && executors.permitsAll();
    }

    /** True when every role, and so every resource, is shown. */
    public boolean seesAllRoles() {
        return roles.permitsAll();
    }

    public boolean seesAllQuotas() {
        return quotas.permitsAll();
    }

    public boolean framework(FrameworkInfo framework) {
        return frameworks.permits(framework.getUser());
    }

    public boolean task(TaskInfo task, FrameworkInfo framework) {
        return tasks.permitsAll() || tasks.permits(TaskUser.of(task, framework));
    }

    public boolean executor(ExecutorInfo executor, FrameworkInfo framework) {
        return executors.permitsAll() || executors.permits(TaskUser.of(executor, framework));
    }

    public boolean role(String role) {
        return roles.permits(role);
    }

    /**
     * A resource is shown when every role it names is: its legacy role (but {@code *}), each of its stacked
     * reservations (a child role's reservation is shown only with its parents') and the role it is allocated to, as
     * Mesos approves a resource.
     */
    public boolean resource(Resource resource) {
        if (roles.permitsAll()) {
            return true;
        }
        if (resource.hasRole() && !resource.getRole().equals("*") && !roles.permits(resource.getRole())) {
            return false;
        }
        for (Resource.ReservationInfo reservation : resource.getReservationsList()) {
            if (!roles.permits(reservation.getRole())) {
                return false;
            }
        }
        return !resource.hasAllocationInfo() || roles.permits(resource.getAllocationInfo().getRole());
    }

    public boolean quota(String role) {
        return quotas.permits(role);
    }

    public boolean flags() {
        return flags.permitsAll();
    }
}
