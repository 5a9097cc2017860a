package io.corral.master;

import io.corral.protocol.json.MesosJson;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.MachineID;

/**
 * Machines as maintenance names them ({@code MachineID}: a hostname and/or an IPv4 address), checked with Mesos's
 * rules and messages ({@code master::maintenance::validation}), compared as Mesos compares them (the hostname without
 * regard to case), and matched to the agents they host.
 *
 * <p>Stateless and thread-safe.
 */
final class MachineIds {
    /** The longest hostname DNS allows; longer ones come from a mistake or an attack. */
    static final int MAX_HOSTNAME_LENGTH = 255;
    /** Machines one schedule or call may name: the schedule is one registry document, which must stay small. */
    static final int MAX_MACHINES = 1000;
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    private MachineIds() {}

    /** The machine as Mesos keys it: the hostname in lower case (hostnames are not case-sensitive). */
    static MachineID normalized(MachineID machine) {
        return machine.toBuilder().setHostname(machine.getHostname().toLowerCase(Locale.ROOT)).build();
    }

    /** {@code {"hostname":"...","ip":"..."}}, as Mesos names a machine in its messages. */
    static String json(MachineID machine) {
        return MesosJson.print(machine);
    }

    /** Why {@code machine} is not a valid machine id, in Mesos's words where Mesos has them; null when valid. */
    static String invalidReason(MachineID machine) {
        if (machine.getHostname().isEmpty() && machine.getIp().isEmpty()) {
            return "Both 'hostname' and 'ip' for a machine are empty";
        }
        String hostname = machine.getHostname();
        if (hostname.length() > MAX_HOSTNAME_LENGTH) {
            return "Machine hostname must not be longer than " + MAX_HOSTNAME_LENGTH + " characters";
        }
        for (int i = 0; i < hostname.length(); i++) {
            char c = hostname.charAt(i);
            if (Character.isISOControl(c) || Character.isWhitespace(c) || c == '/' || c == '\\') {
                return "Machine hostname '" + hostname + "' contains invalid characters";
            }
        }
        if (!machine.getIp().isEmpty() && !IPV4.matcher(machine.getIp()).matches()) {
            return "Failed to parse IP '" + abbreviated(machine.getIp()) + "': expected an IPv4 address such as"
                    + " 10.0.0.1";
        }
        return null;
    }

    /**
     * Why a list of machines (START_MAINTENANCE, STOP_MAINTENANCE) is invalid, in Mesos's words: empty, an invalid
     * machine, or one named twice; null when valid.
     */
    static String invalidList(List<MachineID> machines) {
        if (machines.isEmpty()) {
            return "List of machines is empty";
        }
        if (machines.size() > MAX_MACHINES) {
            return "List of machines names " + machines.size() + " machines; at most " + MAX_MACHINES
                    + " are allowed";
        }
        Set<MachineID> unique = new HashSet<>();
        for (MachineID machine : machines) {
            String invalid = invalidReason(machine);
            if (invalid != null) {
                return invalid;
            }
            if (!unique.add(normalized(machine))) {
                return "Machine '" + json(machine) + "' appears more than once in the schedule";
            }
        }
        return null;
    }

    /**
     * Whether {@code machine} (normalized) hosts {@code agent}. Mesos requires both the hostname and the IP the agent
     * announces to match; a Corral agent announces only its hostname (possibly an IP address), so a machine with a
     * hostname matches agents of that hostname, and a machine with only an IP matches agents whose hostname is that
     * address ({@code docs/mesos-compatibility.md}, "Maintenance").
     */
    static boolean hosts(MachineID machine, AgentInfo agent) {
        String hostname = agent.getHostname().toLowerCase(Locale.ROOT);
        return machine.getHostname().isEmpty() ? machine.getIp().equals(hostname)
                : machine.getHostname().equals(hostname);
    }

    private static String abbreviated(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
