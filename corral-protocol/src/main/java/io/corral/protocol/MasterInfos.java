package io.corral.protocol;

import org.apache.mesos.v1.Protos.Address;
import org.apache.mesos.v1.Protos.MasterInfo;

/**
 * Builds and reads {@link MasterInfo} the way Mesos fills it, because Mesos clients read it from the leader's
 * {@code json.info_} znode and from the scheduler/operator APIs and rely on every field.
 *
 * <p>Stateless; all methods are thread-safe.
 */
public final class MasterInfos {

    private MasterInfos() {
    }

    /**
     * Creates the MasterInfo of a master.
     *
     * @param id       the master's unique id (Mesos uses a UUID per master process)
     * @param hostname the name clients should use to reach the master
     * @param ipv4     the master's IPv4 address in dotted-quad form, e.g. "10.0.0.1"
     * @param port     the master's HTTP port
     * @param version  the Mesos version this master claims to speak, e.g. "1.11.0"
     */
    public static MasterInfo create(String id, String hostname, String ipv4, int port, String version) {
        requireText(id, "master id");
        requireText(hostname, "master hostname");
        requireText(version, "master version");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("master port " + port + " is out of range: use 1..65535");
        }
        int ip = ipAsMesosUint32(ipv4);
        return MasterInfo.newBuilder()
                .setId(id)
                .setIp(ip)
                .setPort(port)
                .setPid("master@" + ipv4 + ":" + port)
                .setHostname(hostname)
                .setVersion(version)
                .setAddress(Address.newBuilder().setHostname(hostname).setIp(ipv4).setPort(port))
                // No capabilities yet: Mesos advertises AGENT_UPDATE, AGENT_DRAINING and QUOTA_V2, and clients read
                // them as promises of those operator APIs, which Corral does not serve yet. Add each with its API.
                .build();
    }

    /**
     * Returns "host:port" under which clients reach the master's HTTP APIs: the address hostname when present,
     * else the legacy hostname, else the IP address.
     */
    public static String httpAddress(MasterInfo info) {
        Address address = info.getAddress();
        int port = info.hasAddress() && address.hasPort() ? address.getPort() : info.getPort();
        String host;
        if (info.hasAddress() && !address.getHostname().isEmpty()) {
            host = address.getHostname();
        } else if (!info.getHostname().isEmpty()) {
            host = info.getHostname();
        } else if (info.hasAddress() && !address.getIp().isEmpty()) {
            host = address.getIp();
        } else {
            host = ipFromMesosUint32(info.getIp());
        }
        return host + ":" + port;
    }

    /**
     * Encodes an IPv4 address as Mesos stores {@code MasterInfo.ip}: the four bytes in network order, read as a
     * little-endian 32-bit integer (MESOS-1201). "127.0.0.1" becomes 16777343 (0x0100007F).
     */
    public static int ipAsMesosUint32(String ipv4) {
        int[] octets = parseIpv4(ipv4);
        return octets[0] | octets[1] << 8 | octets[2] << 16 | octets[3] << 24;
    }

    /** Inverse of {@link #ipAsMesosUint32(String)}. */
    public static String ipFromMesosUint32(int ip) {
        return (ip & 0xFF) + "." + (ip >>> 8 & 0xFF) + "." + (ip >>> 16 & 0xFF) + "." + (ip >>> 24 & 0xFF);
    }

    private static int[] parseIpv4(String ipv4) {
        String hint = "use a dotted IPv4 address such as 10.0.0.1";
        if (ipv4 == null) {
            throw new IllegalArgumentException("master IP address is missing: " + hint);
        }
        String[] parts = ipv4.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + ipv4 + "' is not an IPv4 address: " + hint);
        }
        int[] octets = new int[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + ipv4 + "' is not an IPv4 address: " + hint);
            }
            octets[i] = Integer.parseInt(part);
            if (octets[i] > 255) {
                throw new IllegalArgumentException("'" + ipv4 + "' has an octet above 255: " + hint);
            }
        }
        return octets;
    }



    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is missing: give a non-empty value");
        }
    }
}
