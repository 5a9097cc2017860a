package io.corral.agent.containerizer.cgroups;

/**
 * One rule of a container's device access, in cgroup v1's words ({@code "c 195:0 rwm"}): which device nodes
 * ({@code type} 'a' for all, 'b' block, 'c' character; {@code major} and {@code minor}, {@link #ANY} for every one)
 * and which accesses ('r' read, 'w' write, 'm' mknod) it allows or denies. v1 writes {@link #v1Text} to
 * {@code devices.allow} or {@code devices.deny}; v2 compiles the rules into an eBPF program ({@link DeviceProgram}).
 */
public record DeviceRule(boolean allow, char type, int major, int minor, String access) {
    /** A major or minor number that matches every device. */
    public static final int ANY = -1;
    /** Linux's dev_t: 12 bits of major, 20 of minor. */
    private static final int MAX_MAJOR = (1 << 12) - 1;
    private static final int MAX_MINOR = (1 << 20) - 1;

    public DeviceRule {
        if (type != 'a' && type != 'b' && type != 'c') {
            throw new IllegalArgumentException("device type must be a, b or c, got " + type);
        }
        if (major < ANY || major > MAX_MAJOR || minor < ANY || minor > MAX_MINOR) {
            throw new IllegalArgumentException("no device has the number " + major + ":" + minor);
        }
        if (access.isEmpty() || !access.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm')) {
            throw new IllegalArgumentException("device access must be letters of rwm, got '" + access + "'");
        }
    }

    /** Every access to one character device. */
    public static DeviceRule character(boolean allow, int major, int minor) {
        return new DeviceRule(allow, 'c', major, minor, "rwm");
    }

    /** The rule as v1's devices files take it: {@code "c 195:0 rwm"}. */
    public String v1Text() {
        return type + " " + text(major) + ":" + text(minor) + " " + access;
    }

    private static String text(int number) {
        return number == ANY ? "*" : Integer.toString(number);
    }
}
