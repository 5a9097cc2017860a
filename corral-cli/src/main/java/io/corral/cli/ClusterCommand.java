package io.corral.cli;

import java.io.PrintStream;
import java.time.Clock;

/**
 * What the commands that read a running cluster ({@code ps}, {@code agents}, {@code frameworks}, {@code status})
 * share: how they find it, where they print, and the clock they show ages by. Tests give their own.
 */
abstract class ClusterCommand {
    final ClusterLocator locator;
    final PrintStream out;
    final PrintStream err;
    final Clock clock;

    ClusterCommand() {
        this(new ClusterLocator(), System.out, System.err, Clock.systemUTC());
    }

    ClusterCommand(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
        this.locator = locator;
        this.out = out;
        this.err = err;
        this.clock = clock;
    }
}
