package io.corral.agent.containerizer.cgroups;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Cgroup v2's device control: a {@link DeviceProgram} loaded into the kernel and attached to a container's cgroup
 * with the {@code bpf(2)} system call, made through JNA (the JDK has no way to call it). Programs are attached with
 * {@code BPF_F_ALLOW_MULTI}, so a program an init system attached above the agent's cgroup still applies as well, and
 * they stay in the kernel with the cgroup (a restarted agent finds them in place; removing the cgroup frees them).
 *
 * <p>Stateless and thread-safe: each call opens and closes its own file descriptors.
 */
final class CgroupDeviceFilter {
    /** bpf(2) commands, program and attach types, flags: linux/bpf.h. */
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_DETACH = 9;
    private static final int BPF_PROG_GET_FD_BY_ID = 13;
    private static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    private static final int BPF_PROG_QUERY = 16;
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    private static final int BPF_CGROUP_DEVICE = 6;
    private static final int BPF_F_ALLOW_MULTI = 2;
    /** A zeroed {@code union bpf_attr} larger than any command below needs (the kernel accepts zeroed tails). */
    private static final int ATTRIBUTES_SIZE = 128;
    private static final int VERIFIER_LOG_SIZE = 64 * 1024;
    private static final int MAX_QUERIED_PROGRAMS = 64;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final String PROGRAM_NAME = "corral_devices";
    private static final String LICENSE = "Apache-2.0";

    /** The C library's calls this class makes. */
    private interface LibC extends Library {
        long syscall(long number, Object... arguments) throws LastErrorException;

        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        String strerror(int errno);
    }

    private final LibC libc;
    private final long bpfSyscall;

    private CgroupDeviceFilter(LibC libc, long bpfSyscall) {
        this.libc = libc;
        this.bpfSyscall = bpfSyscall;
    }

    /**
     * The filter, when this process can attach device programs to {@code cgroup} (a cgroup v2 directory): the
     * system call exists on this machine, a program loads (root, a kernel with {@code CONFIG_CGROUP_BPF}) and the
     * kernel answers a query on the cgroup.
     *
     * @throws IOException with the reason when it cannot
     */
    static CgroupDeviceFilter probe(Path cgroup) throws IOException {
        long number = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 321;
            case "aarch64" -> 280;
            default -> throw new IOException("no bpf(2) system call number known for " + System.getProperty("os.arch"));
        };
        CgroupDeviceFilter filter;
        try {
            filter = new CgroupDeviceFilter(Native.load(Platform.C_LIBRARY_NAME, LibC.class), number);
        } catch (LinkageError e) {
            throw new IOException("cannot load the C library through JNA: " + e.getMessage(), e);
        }
        filter.close(filter.load(List.of()));
        filter.attached(cgroup);
        return filter;
    }

    /**
     * Makes {@code rules} the cgroup's device rules: attaches their program, then detaches every other program
     * attached to the cgroup itself (an earlier rule set), so there is no moment without a filter.
     */
    void replace(Path cgroup, List<DeviceRule> rules) throws IOException {
        int program = load(rules);
        try {
            int directory = open(cgroup);
            try (Memory attach = attributes(directory, program, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)) {
                bpf(BPF_PROG_ATTACH, attach, "attach a device program to " + cgroup);
                int attachedId = programId(program);
                for (int id : attached(directory, cgroup)) {
                    if (id != attachedId) {
                        detach(directory, id, cgroup);
                    }
                }
            } finally {
                close(directory);
            }
        } finally {
            close(program);
        }
    }

    /** The ids of the device programs attached to the cgroup itself (not those inherited from its parents). */
    List<Integer> attached(Path cgroup) throws IOException {
        int directory = open(cgroup);
        try {
            return attached(directory, cgroup);
        } finally {
            close(directory);
        }
    }

    private List<Integer> attached(int directory, Path cgroup) throws IOException {
        try (Memory ids = new Memory(4L * MAX_QUERIED_PROGRAMS); Memory query = zeroed()) {
            query.setInt(0, directory);
            query.setInt(4, BPF_CGROUP_DEVICE);
            query.setPointer(16, ids);
            query.setInt(24, MAX_QUERIED_PROGRAMS);
            bpf(BPF_PROG_QUERY, query, "query the device programs of " + cgroup);
            int count = Math.min(query.getInt(24), MAX_QUERIED_PROGRAMS);
            return Arrays.stream(ids.getIntArray(0, count)).boxed().toList();
        }
    }

    private void detach(int directory, int programId, Path cgroup) throws IOException {
        int program;
        try (Memory byId = zeroed()) {
            byId.setInt(0, programId);
            program = (int) bpf(BPF_PROG_GET_FD_BY_ID, byId, "find device program " + programId);
        }
        try (Memory detach = attributes(directory, program, BPF_CGROUP_DEVICE, 0)) {
            bpf(BPF_PROG_DETACH, detach, "detach device program " + programId + " from " + cgroup);
        } finally {
            close(program);
        }
    }

    /** Loads the rules' program; returns its file descriptor. A refusal carries the kernel verifier's log. */
    private int load(List<DeviceRule> rules) throws IOException {
        byte[] instructions = DeviceProgram.compile(rules);
        try (Memory code = new Memory(instructions.length); Memory license = cString(LICENSE);
             Memory log = new Memory(VERIFIER_LOG_SIZE); Memory load = zeroed()) {
            code.write(0, instructions, 0, instructions.length);
            log.setByte(0, (byte) 0);
            load.setInt(0, BPF_PROG_TYPE_CGROUP_DEVICE);
            load.setInt(4, instructions.length / DeviceProgram.INSTRUCTION_BYTES);
            load.setPointer(8, code);
            load.setPointer(16, license);
            load.setInt(24, 1); // log level: the verifier explains a refusal
            load.setInt(28, VERIFIER_LOG_SIZE);
            load.setPointer(32, log);
            byte[] name = PROGRAM_NAME.getBytes(StandardCharsets.US_ASCII);
            load.write(48, name, 0, name.length);
            try {
                return (int) bpf(BPF_PROG_LOAD, load, "load a device program");
            } catch (IOException e) {
                throw new IOException(e.getMessage() + "; the verifier said: " + log.getString(0).trim(), e);
            }
        }
    }

    /** The kernel's id of a loaded program ({@code bpf_prog_info.id}, from {@code BPF_OBJ_GET_INFO_BY_FD}). */
    private int programId(int program) throws IOException {
        try (Memory info = new Memory(ATTRIBUTES_SIZE); Memory request = zeroed()) {
            info.clear();
            request.setInt(0, program);
            request.setInt(4, ATTRIBUTES_SIZE);
            request.setPointer(8, info);
            bpf(BPF_OBJ_GET_INFO_BY_FD, request, "read a device program's id");
            return info.getInt(4); // bpf_prog_info: u32 type, u32 id
        }
    }

    private static Memory attributes(int target, int program, int attachType, int flags) {
        Memory attributes = zeroed();
        attributes.setInt(0, target);
        attributes.setInt(4, program);
        attributes.setInt(8, attachType);
        attributes.setInt(12, flags);
        return attributes;
    }

    private long bpf(int command, Memory attributes, String what) throws IOException {
        try {
            return libc.syscall(bpfSyscall, (long) command, attributes, (long) ATTRIBUTES_SIZE);
        } catch (LastErrorException e) {
            throw new IOException("cannot " + what + ": bpf(2) failed: " + error(e), e);
        }
    }

    private int open(Path cgroup) throws IOException {
        try {
            return libc.open(cgroup.toString(), O_RDONLY_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + cgroup + ": " + error(e), e);
        }
    }

    /** "Operation not permitted (errno 1)". */
    private String error(LastErrorException e) {
        return libc.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")";
    }

    private void close(int fd) {
        try {
            libc.close(fd);
        } catch (LastErrorException e) {
            // nothing to do: the descriptor is gone either way
        }
    }

    private static Memory zeroed() {
        Memory memory = new Memory(ATTRIBUTES_SIZE);
        memory.clear();
        return memory;
    }

    private static Memory cString(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        Memory memory = new Memory(bytes.length + 1L);
        memory.write(0, bytes, 0, bytes.length);
        memory.setByte(bytes.length, (byte) 0);
        return memory;
    }
}
