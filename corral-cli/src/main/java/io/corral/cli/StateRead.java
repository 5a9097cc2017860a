package io.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.http.ClientAuthorization;
import io.corral.scheduler.MasterLocator;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;

/**
 * The leading master's {@code /master/state}, as the listing commands ({@code ps}, {@code agents},
 * {@code frameworks}) read it: the cluster located from the command's options, the state fetched from its leader,
 * or, when either fails, the reason printed on {@code err} and the exit code to return.
 *
 * @param state    the state, or null when it could not be read
 * @param exitCode 0 when read, else what the command should exit with
 */
record StateRead(JsonNode state, int exitCode, Optional<ClientAuthorization> authorization,
                 Optional<io.corral.protocol.tls.ClientTls> tls) {
    StateRead(JsonNode state, int exitCode) {
        this(state, exitCode, Optional.empty(), Optional.empty());
    }

    private static final Duration LOCATE_TIMEOUT = Duration.ofSeconds(10);

    static StateRead of(ClusterLocator locator, ClusterOptions cluster, PrintStream err, String command)
            throws InterruptedException {
        ClusterLocator.Target target;
        try {
            target = locator.resolve(cluster);
        } catch (ClusterLocator.ClusterException e) {
            err.println(e.getMessage());
            return new StateRead(null, e.exitCode());
        }
        try (MasterLocator masters = locator.open(target)) {
            return new StateRead(PsCommand.fetchState(target, masters.master(LOCATE_TIMEOUT)), 0,
                    target.authorization(), target.tls());
        } catch (ClusterLocator.ClusterException e) {
            err.println(e.getMessage());
            return new StateRead(null, e.exitCode());
        } catch (MasterLocator.MasterNotFoundException | PsCommand.StateUnavailableException e) {
            err.println("corral " + command + ": " + e.getMessage());
            return new StateRead(null, 1);
        }
    }

    boolean failed() {
        return state == null;
    }
}
