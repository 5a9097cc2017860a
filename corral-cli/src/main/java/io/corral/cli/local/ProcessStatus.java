package io.corral.cli.local;

/**
 * An immutable snapshot of one supervised process.
 *
 * @param spec     what it is
 * @param pid      pid of the current incarnation, null when none runs
 * @param restarts how many times the supervisor restarted it
 * @param state    where it is in its life
 */
public record ProcessStatus(ProcessSpec spec, Long pid, int restarts, ProcessState state) {
}
