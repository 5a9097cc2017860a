package io.corral.master;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.corral.protocol.concurrent.Timers;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The operator API's GET_LOGGING_LEVEL and SET_LOGGING_LEVEL, mapped from Mesos's glog verbosity onto logback's level
 * of the {@code io.corral} logger:
 *
 * <pre>
 *   verbosity   io.corral logs      reported back as
 *   0           INFO and above      0 (also for WARN, ERROR, OFF set in the logging configuration)
 *   1           DEBUG and above     1
 *   2 and more  TRACE and above     2 (logback has nothing finer than TRACE)
 * </pre>
 *
 * As in Mesos, a level set for a duration reverts to the original one (the level the process started with) once the
 * duration has passed; a later SET_LOGGING_LEVEL replaces the pending revert, and setting the original level cancels
 * it. The revert is a timer of the master's {@link Timers}, never a sleeping thread.
 *
 * <p>Threading: one per master process, used from the master's loop (SET) and reader or I/O threads (GET); its
 * methods are synchronized. Logback's levels are global to the JVM.
 */
public final class LoggingLevels {
    /** The logger whose level the verbosity sets: everything Corral logs. */
    static final String LOGGER = "io.corral";
    /** The longest a level may be set for before it reverts. */
    public static final Duration MAX_DURATION = Duration.ofDays(7);

    private static LoggingLevels shared;

    private final Logger logger;
    /** The level the logging configuration gave {@code io.corral} (null: inherited from the root logger). */
    private final Level original;
    private Timers.Cancellable pendingRevert;

    private LoggingLevels(Logger logger) {
        this.logger = logger;
        this.original = logger.getLevel();
    }

    /**
     * The levels of this process's logback; empty when slf4j logs through another backend. One instance per JVM
     * (logback's levels are global; masters sharing a JVM in tests must agree on the original level).
     */
    public static synchronized Optional<LoggingLevels> ofLogback() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return Optional.empty();
        }
        if (shared == null || shared.logger.getLoggerContext() != context) {
            shared = new LoggingLevels(context.getLogger(LOGGER));
        }
        return Optional.of(shared);
    }

    /** Mesos's verbosity now: 0, 1 or 2 (see the class comment). */
    public synchronized int verbosity() {
        Level effective = logger.getEffectiveLevel();
        if (effective.isGreaterOrEqual(Level.INFO)) {
            return 0;
        }
        return effective.isGreaterOrEqual(Level.DEBUG) ? 1 : 2;
    }

    /**
     * Sets verbosity {@code level} (an unsigned 32-bit number, as Mesos's {@code uint32}) for {@code duration}, after
     * which the original level comes back, on {@code timers}. Call on the loop {@code timers} fires on.
     *
     * @throws IllegalArgumentException when the duration is negative or longer than {@link #MAX_DURATION}
     */
    public synchronized void set(long level, Duration duration, Timers timers) {
        if (duration.isNegative() || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("'duration' must be between 0 and " + MAX_DURATION.toDays()
                    + " days, not " + duration);
        }
        if (pendingRevert != null) {
            pendingRevert.cancel();
            pendingRevert = null;
        }
        Level target = level(level);
        if (target.equals(originalEffective())) {
            logger.setLevel(original); // back to what the configuration says: nothing to revert
            return;
        }
        logger.setLevel(target);
        Timers.Cancellable[] self = new Timers.Cancellable[1];
        self[0] = timers.schedule(duration, () -> revert(self[0]));
        pendingRevert = self[0];
    }

    /** Back to the original level, unless a later SET_LOGGING_LEVEL replaced this revert. */
    private synchronized void revert(Timers.Cancellable which) {
        if (pendingRevert == which) {
            logger.setLevel(original);
            pendingRevert = null;
        }
    }

    /** The logback level of a verbosity. */
    static Level level(long verbosity) {
        if (verbosity <= 0) {
            return Level.INFO;
        }
        return verbosity == 1 ? Level.DEBUG : Level.TRACE;
    }

    /** The level the original configuration gives, mapped through verbosity (WARN counts as INFO: verbosity 0). */
    private Level originalEffective() {
        Level effective = original != null ? original : logger.getLoggerContext().getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME).getEffectiveLevel();
        return level(effective.isGreaterOrEqual(Level.INFO) ? 0 : effective.isGreaterOrEqual(Level.DEBUG) ? 1 : 2);
    }
}
