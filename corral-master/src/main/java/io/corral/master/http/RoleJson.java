package io.corral.master.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.master.MasterView;
import io.corral.master.ViewApprover;
import io.corral.zookeeper.registry.RoleRecord;
import java.util.Map;
import java.util.TreeMap;
import org.apache.mesos.v1.Protos.Value;

/**
 * Mesos's legacy JSON for roles' settings, rendered from a published {@link MasterView}:
 * <ul>
 *   <li>{@code GET /master/quota}: Mesos's {@code QuotaStatus} as {@code {"infos": [{"role": "eng", "guarantee":
 *       [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 4.0}}]}]}}, one entry per role with a quota (its
 *       guarantees; an entry with limits only has an empty {@code guarantee}), as Mesos 1.x answers it;</li>
 *   <li>{@code GET /master/weights}: a JSON array of {@code {"role": "eng", "weight": 2.0}}, one per role whose
 *       weight an operator set to other than 1.</li>
 * </ul>
 * Roles are in name order; a reader sees only the roles the ACLs let it ({@link ViewApprover}). Changes go through the operator API (UPDATE_QUOTA, UPDATE_WEIGHTS).
 *
 * <p>Stateless and thread-safe: runs on a reader thread.
 */
final class RoleJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RoleJson() {}

    static byte[] quota(MasterView view) {
        return quota(view, ViewApprover.all());
    }

    /** The quotas of the roles {@code approver} lets the reader see them of ({@code get_quotas}). */
    static byte[] quota(MasterView view, ViewApprover approver) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode infos = root.putArray("infos");
        for (RoleRecord role : view.roles()) {
            if (!approver.quota(role.role())) {
                continue;
            }
            role.quota().ifPresent(config -> {
                ObjectNode info = infos.addObject();
                info.put("role", role.role());
                ArrayNode guarantee = info.putArray("guarantee");
                new TreeMap<>(config.getGuaranteesMap()).forEach((name, amount) -> guarantee.add(scalar(name, amount)));
            });
        }
        return bytes(root);
    }

    static byte[] weights(MasterView view) {
        return weights(view, ViewApprover.all());
    }

    /** The weights of the roles {@code approver} lets the reader see ({@code view_roles}). */
    static byte[] weights(MasterView view, ViewApprover approver) {
        ArrayNode weights = MAPPER.createArrayNode();
        for (RoleRecord role : view.roles()) {
            if (role.weight() != 1.0 && approver.role(role.role())) {
                weights.addObject().put("role", role.role()).put("weight", role.weight());
            }
        }
        return bytes(weights);
    }

    /** A scalar resource as Mesos prints a quota guarantee: name, type and amount, no role or reservation. */
    private static ObjectNode scalar(String name, Value.Scalar amount) {
        ObjectNode resource = MAPPER.createObjectNode();
        resource.put("name", name);
        resource.put("type", "SCALAR");
        resource.putObject("scalar").put("value", amount.getValue());
        return resource;
    }

    private static byte[] bytes(Object json) {
        try {
            return MAPPER.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write roles as JSON", e);
        }
    }

    /** The operator call that changes each path's settings. */
    private static final Map<String, String> CHANGED_BY = Map.of("/quota", "UPDATE_QUOTA", "/weights", "UPDATE_WEIGHTS");

    /** The operator call that changes what {@code path} shows. */
    static String changedBy(String path) {
        return CHANGED_BY.get(path);
    }
}
