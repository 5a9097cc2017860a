package io.corral.agent.containerizer;

import java.util.Map;

/** Linux signal numbers and names (x86 and arm numbering, which agree for the signals named here). */
final class Signals {

    static final int SIGTERM = 15;
    static final int SIGKILL = 9;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "SIGHUP"),
            Map.entry(2, "SIGINT"),
            Map.entry(3, "SIGQUIT"),
            Map.entry(4, "SIGILL"),
            Map.entry(5, "SIGTRAP"),
            Map.entry(6, "SIGABRT"),
            Map.entry(7, "SIGBUS"),
            Map.entry(8, "SIGFPE"),
            Map.entry(SIGKILL, "SIGKILL"),
            Map.entry(10, "SIGUSR1"),
            Map.entry(11, "SIGSEGV"),
            Map.entry(12, "SIGUSR2"),
            Map.entry(13, "SIGPIPE"),
            Map.entry(14, "SIGALRM"),
            Map.entry(SIGTERM, "SIGTERM"),
            Map.entry(24, "SIGXCPU"),
            Map.entry(25, "SIGXFSZ"));

    private Signals() {}

    /** "SIGTERM" for 15; "signal 40" for numbers without a well-known name. */
    static String name(int number) {
        return NAMES.getOrDefault(number, "signal " + number);
    }
}
