package io.corral.zookeeper.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.URLEncoder;

/**
 * Where the registry lives under a Corral root ({@code docs/architecture.md}, "ZooKeeper layout"):
 *
 * <pre>
 * &lt;root&gt;/registry/meta               format, leader epoch, last leader
 * &lt;root&gt;/registry/agents/&lt;id&gt;        one znode per admitted agent
 * &lt;root&gt;/registry/frameworks/&lt;id&gt;    one znode per framework
 * &lt;root&gt;/registry/roles/&lt;role&gt;       one znode per role with a weight or quota
 * &lt;root&gt;/registry/maintenance/schedule the maintenance schedule and the machines that are down
 * &lt;root&gt;/registry/agent-modes/&lt;id&gt;   one znode per agent an operator deactivated or is draining
 * </pre>
 *
 * <p>Ids become znode names URL-encoded, because Mesos role names may contain '/' ("eng/web"); ordinary agent and
 * framework ids (letters, digits, '-', '_', '.') are unchanged by the encoding.
 *
 * <p>Immutable; thread-safe.
 */
public final class RegistryPaths {

    private final String root;

    /** @param root the Corral root path, e.g. "/corral" */
    public RegistryPaths(String root) {
        if (root == null || root.length() < 2 || !root.startsWith("/") || root.endsWith("/")) {
            throw new IllegalArgumentException("root path '" + root
                    + "' must be absolute without a trailing slash, e.g. /corral");
        }
        this.root = root;
    }

    public String registry() {
        return root + "/registry";
    }

    public String meta() {
        return registry() + "/meta";
    }

    public String agents() {
        return registry() + "/agents";
    }

    public String frameworks() {
        return registry() + "/frameworks";
    }

    public String roles() {
        return registry() + "/roles";
    }

    public String maintenanceDir() {
        return registry() + "/maintenance";
    }

    /** The one maintenance document (its id is always {@link MaintenanceRecord#ID}). */
    public String maintenance() {
        return maintenanceDir() + "/" + MaintenanceRecord.ID;
    }

    public String agentModes() {
        return registry() + "/agent-modes";
    }

    public String agentMode(String agentId) {
        return agentModes() + "/" + nodeName(agentId, "agent id");
    }

    public String agent(String agentId) {
        return agents() + "/" + nodeName(agentId, "agent id");
    }

    public String framework(String frameworkId) {
        return frameworks() + "/" + nodeName(frameworkId, "framework id");
    }

    public String role(String role) {
        return roles() + "/" + nodeName(role, "role");
    }

    /** The znode path of an entity of {@code kind}. */
    String of(DocumentKind kind, String id) {
        return switch (kind) {
            case AGENT -> agent(id);
            case FRAMEWORK -> framework(id);
            case ROLE -> role(id);
            case MAINTENANCE -> maintenanceDir() + "/" + nodeName(id, "maintenance document");
            case AGENT_MODE -> agentMode(id);
            case META -> meta();
        };
    }

    /**
     * The znode name for an id.
     *
     * @throws IllegalArgumentException for an empty id or one that would name "." or ".."
     */
    static String nodeName(String id, String what) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("the " + what + " is empty: a registry entry needs a non-empty " + what);
        }
        String name = URLEncoder.encode(id, UTF_8);
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("the " + what + " '" + id + "' cannot name a znode: pick another");
        }
        return name;
    }
}
