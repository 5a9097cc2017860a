package io.corral.cli.local;

import io.corral.protocol.net.FreePorts;
import java.util.ArrayList;
import java.util.List;

/** Where a local cluster's ports come from: consecutive ports from a base, or free ports the OS picks. */
public interface PortPlan {

    /** {@code count} distinct ports. */
    List<Integer> take(int count);

    /** {@code base}, {@code base + 1}, ... */
    static PortPlan from(int base) {
        return count -> {
            if (base < 1 || base + count - 1 > 65535) {
                throw new IllegalArgumentException("--base-port " + base + " leaves no room for " + count
                        + " consecutive ports: use a port from 1024 to " + (65535 - count + 1));
            }
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ports.add(base + i);
            }
            return ports;
        };
    }

    /** Ports that are free on loopback right now, all different ({@link FreePorts}). */
    static PortPlan free() {
        return FreePorts::loopback;
    }
}
