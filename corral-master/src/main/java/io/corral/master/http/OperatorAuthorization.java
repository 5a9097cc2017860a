package io.corral.master.http;

import io.corral.protocol.http.HttpError;
import io.corral.protocol.security.Acls;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.master.Protos.Call;

/**
 * The ACL check of each operator call that changes the cluster, as Mesos's master authorizes them: the action the
 * call is (Mesos's ACL names) and each object it touches (roles, reserver or creator principals). Agents, machines,
 * flags and levels are only matched by {@code {"type": "ANY"}} rules, as Mesos supports them. A denial is a
 * {@code 403} naming the action, thrown before the call reaches the master's loop.
 *
 * GET_METRICS is checked as {@code get_endpoints} on {@code /metrics/snapshot}, the endpoint Mesos checks for the
 * same figures (Mesos leaves GET_METRICS open; Corral does not let the call undo a refusal of the endpoint).
 *
 * <p>Not checked here: TEARDOWN (its object, the framework's principal, is known on the loop: see
 * {@link io.corral.master.Frameworks#teardownByOperator}) and reads of the state, which are never refused but cut to
 * what the reader may see ({@link io.corral.master.ViewApprover}).
 *
 * <p>Stateless.
 */
final class OperatorAuthorization {
    private OperatorAuthorization() {}

    /** One thing to check: an action on an object (null when the object is not named). */
    private record Check(String action, String object) {}

    static void authorize(Acls acls, Optional<String> principal, Call call) {
        for (Check check : checks(call)) {
            if (!acls.permits(check.action(), principal.orElse(null), check.object())) {
                throw new HttpError(403, "Principal '" + principal.orElse("") + "' is not authorized to "
                        + call.getType() + (check.object() == null ? "" : " on '" + check.object() + "'")
                        + " (ACL " + check.action() + ")");
            }
        }
    }

    private static List<Check> checks(Call call) {
        List<Check> checks = new ArrayList<>();
        switch (call.getType()) {
            case UPDATE_WEIGHTS -> call.getUpdateWeights().getWeightInfosList()
                    .forEach(weight -> checks.add(new Check("update_weights", weight.getRole())));
            case UPDATE_QUOTA -> call.getUpdateQuota().getQuotaConfigsList()
                    .forEach(quota -> checks.add(new Check("update_quotas", quota.getRole())));
            case RESERVE_RESOURCES -> call.getReserveResources().getResourcesList()
                    .forEach(resource -> checks.add(new Check("reserve_resources", reservedRole(resource))));
            case UNRESERVE_RESOURCES -> call.getUnreserveResources().getResourcesList()
                    .forEach(resource -> checks.add(new Check("unreserve_resources", reserver(resource))));
            case CREATE_VOLUMES -> call.getCreateVolumes().getVolumesList()
                    .forEach(volume -> checks.add(new Check("create_volumes", reservedRole(volume))));
            case DESTROY_VOLUMES -> call.getDestroyVolumes().getVolumesList()
                    .forEach(volume -> checks.add(new Check("destroy_volumes", creator(volume))));
            case GROW_VOLUME -> checks.add(new Check("resize_volume", reservedRole(call.getGrowVolume().getVolume())));
            case SHRINK_VOLUME -> checks.add(new Check("resize_volume",
                    reservedRole(call.getShrinkVolume().getVolume())));
            case MARK_AGENT_GONE -> checks.add(new Check("mark_agents_gone", null));
            case DRAIN_AGENT -> checks.add(new Check("drain_agents", null));
            case DEACTIVATE_AGENT -> checks.add(new Check("deactivate_agents", null));
            case REACTIVATE_AGENT -> checks.add(new Check("reactivate_agents", null));
            case UPDATE_MAINTENANCE_SCHEDULE -> checks.add(new Check("update_maintenance_schedules", null));
            case START_MAINTENANCE -> checks.add(new Check("start_maintenances", null));
            case STOP_MAINTENANCE -> checks.add(new Check("stop_maintenances", null));
            case GET_FLAGS -> checks.add(new Check("view_flags", null));
            case GET_METRICS -> checks.add(new Check("get_endpoints", MetricsEndpoint.SNAPSHOT_PATH));
            case SET_LOGGING_LEVEL -> checks.add(new Check("set_log_level", null));
            default -> { }
        }
        return checks;
    }

    /** The role a reservation (or volume) is for: the last of its reservations, else its legacy role. */
    private static String reservedRole(Resource resource) {
        return resource.getReservationsCount() > 0
                ? resource.getReservations(resource.getReservationsCount() - 1).getRole() : resource.getRole();
    }

    /** The principal that made the reservation being removed. */
    private static String reserver(Resource resource) {
        return resource.getReservationsCount() > 0
                ? resource.getReservations(resource.getReservationsCount() - 1).getPrincipal()
                : resource.getReservation().getPrincipal();
    }

    private static String creator(Resource volume) {
        return volume.getDisk().getPersistence().getPrincipal();
    }
}
