package io.corral.agent.containerizer.cgroups;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Compiles a container's {@link DeviceRule}s into a cgroup v2 device program: eBPF instructions the kernel runs at each
 * open or mknod of a device node by a process of the cgroup (program type {@code BPF_PROG_TYPE_CGROUP_DEVICE}). The
 * first rule that matches the device and the access decides; a device no rule names is allowed, as in the agent's
 * v1 devices cgroups, whose default is "a *:* rwm".
 *
 * <p>The program reads the kernel's {@code struct bpf_cgroup_dev_ctx} (three u32: {@code access << 16 | type},
 * {@code major}, {@code minor}) into registers, then tests each rule in turn; a rule that does not match jumps past
 * its own verdict to the next rule. Only little-endian machines (x86-64, arm64): the register nibbles of an
 * instruction are laid out for them.
 *
 * <p>Stateless.
 */
final class DeviceProgram {
    /** The kernel's device types and accesses in the context ({@code BPF_DEVCG_DEV_*}, {@code BPF_DEVCG_ACC_*}). */
    private static final int BLOCK = 1;
    private static final int CHARACTER = 2;
    private static final int MKNOD = 1;
    private static final int READ = 2;
    private static final int WRITE = 4;
    private static final int ALL_ACCESS = MKNOD | READ | WRITE;

    /** Opcodes: class | operation | source (BPF_K: the immediate, BPF_X: a register). */
    private static final int LOAD_WORD = 0x61; // BPF_LDX | BPF_MEM | BPF_W
    private static final int MOVE32_REGISTER = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
    private static final int AND32_IMMEDIATE = 0x54; // BPF_ALU | BPF_AND | BPF_K
    private static final int SHIFT_RIGHT32_IMMEDIATE = 0x74; // BPF_ALU | BPF_RSH | BPF_K
    private static final int MOVE64_IMMEDIATE = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
    private static final int JUMP_IF_NOT_EQUAL = 0x55; // BPF_JMP | BPF_JNE | BPF_K
    private static final int JUMP_IF_EQUAL = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    private static final int EXIT = 0x95; // BPF_JMP | BPF_EXIT

    /** Registers: r0 the verdict, r1 the context (then scratch), r2 access, r3 type, r4 major, r5 minor. */
    private static final int VERDICT = 0;
    private static final int CONTEXT = 1;
    private static final int SCRATCH = 1;
    private static final int ACCESS = 2;
    private static final int TYPE = 3;
    private static final int MAJOR = 4;
    private static final int MINOR = 5;

    static final int INSTRUCTION_BYTES = 8;

    private DeviceProgram() {}

    /** The program's instructions, {@link #INSTRUCTION_BYTES} each, for {@code BPF_PROG_LOAD}. */
    static byte[] compile(List<DeviceRule> rules) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("device programs are built for little-endian machines only");
        }
        ByteArrayOutputStream program = new ByteArrayOutputStream();
        program.writeBytes(readContext());
        for (DeviceRule rule : rules) {
            program.writeBytes(test(rule));
        }
        program.writeBytes(verdict(true));
        return program.toByteArray();
    }

    private static byte[] readContext() {
        Instructions out = new Instructions();
        out.add(LOAD_WORD, ACCESS, CONTEXT, 0, 0);
        out.add(MOVE32_REGISTER, TYPE, ACCESS, 0, 0);
        out.add(AND32_IMMEDIATE, TYPE, 0, 0, 0xffff);
        out.add(SHIFT_RIGHT32_IMMEDIATE, ACCESS, 0, 0, 16);
        out.add(LOAD_WORD, MAJOR, CONTEXT, 4, 0);
        out.add(LOAD_WORD, MINOR, CONTEXT, 8, 0);
        return out.bytes();
    }

    /**
     * One rule: its conditions, each jumping past the rest of the rule when it fails, then its verdict. The jumps'
     * targets are only known once the rule is whole, so conditions are written as "skip N", N counted backwards.
     */
    private static byte[] test(DeviceRule rule) {
        List<int[]> conditions = new java.util.ArrayList<>(); // {opcode, register, immediate}, each one instruction
        if (rule.type() != 'a') {
            conditions.add(new int[] {JUMP_IF_NOT_EQUAL, TYPE, rule.type() == 'b' ? BLOCK : CHARACTER});
        }
        if (rule.major() != DeviceRule.ANY) {
            conditions.add(new int[] {JUMP_IF_NOT_EQUAL, MAJOR, rule.major()});
        }
        if (rule.minor() != DeviceRule.ANY) {
            conditions.add(new int[] {JUMP_IF_NOT_EQUAL, MINOR, rule.minor()});
        }
        int access = accessBits(rule.access());
        boolean someAccess = access != ALL_ACCESS;
        int verdictLength = 2;
        int remaining = conditions.size() + (someAccess ? 3 : 0) + verdictLength;
        Instructions out = new Instructions();
        for (int[] condition : conditions) {
            remaining--;
            out.add(condition[0], condition[1], 0, remaining, condition[2]);
        }
        if (someAccess) {
            // An allow rule covers a request only when every access asked for is in it; a deny rule covers any
            // request that asks for one of its accesses (v1's meaning).
            out.add(MOVE32_REGISTER, SCRATCH, ACCESS, 0, 0);
            out.add(AND32_IMMEDIATE, SCRATCH, 0, 0, rule.allow() ? ALL_ACCESS & ~access : access);
            out.add(rule.allow() ? JUMP_IF_NOT_EQUAL : JUMP_IF_EQUAL, SCRATCH, 0, verdictLength, 0);
        }
        out.addAll(verdict(rule.allow()));
        return out.bytes();
    }

    private static byte[] verdict(boolean allow) {
        Instructions out = new Instructions();
        out.add(MOVE64_IMMEDIATE, VERDICT, 0, 0, allow ? 1 : 0);
        out.add(EXIT, 0, 0, 0, 0);
        return out.bytes();
    }

    private static int accessBits(String access) {
        int bits = 0;
        for (char letter : access.toCharArray()) {
            bits |= switch (letter) {
                case 'r' -> READ;
                case 'w' -> WRITE;
                default -> MKNOD;
            };
        }
        return bits;
    }

    /** eBPF's 8-byte instruction: opcode, destination and source register nibbles, jump offset (16 bits), immediate. */
    private static final class Instructions {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        void add(int opcode, int destination, int source, int offset, int immediate) {
            ByteBuffer instruction = ByteBuffer.allocate(INSTRUCTION_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            instruction.put((byte) opcode).put((byte) (source << 4 | destination)).putShort((short) offset)
                    .putInt(immediate);
            bytes.writeBytes(instruction.array());
        }

        void addAll(byte[] instructions) {
            bytes.writeBytes(instructions);
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
