# corral-forker: one agent's launcher server (LauncherServer). Run by the agent once, as
#   setsid /bin/sh -c "<this script>" corral-forker
# in a session of its own, with an empty environment, stdin and stdout piped to the agent. It reads one request a
# line, "<token> <run dir>", and forks a per-task launcher for it (a subshell: no exec), which is the task's parent
# as corral-launcher.sh is on the agent's other path. End of input (the agent died or let go) ends the server; the
# per-task launchers it forked keep running, and the next agent recovers them from their run directories.
#
# A per-task launcher:
#   1. sources <run dir>/launch.sh, written by the agent: it enters the sandbox, joins the container's cgroups
#      (corral_join <cgroup.procs>), sets corral_sandbox and the task's argv ("set -- setsid env -i ... task");
#   2. creates <run dir>/launcher.pid exclusively (noclobber: the agent creates it first to cancel a launch whose
#      server died) with its pid, start time and boot id, the record a restarted agent recognises it by;
#   3. starts the task (setsid env -i ...: its own session, exactly the environment the agent wrote), stdin from
#      /dev/null, output appended to the sandbox's stdout and stderr; records task.pid;
#   4. answers "ok <token> <launcher pid> <start ticks> <task pid>" (or "fail <token> <why>"), lines < 512 bytes, so
#      each is one atomic write to the shared pipe;
#   5. waits for the task, kills what it left in its process group, records exit_status, then tells the agent
#      "end <token>" (ignored when the agent is gone: SIGPIPE is ignored from the task's start on; the task itself
#      was forked before, with the default).
# POSIX sh built-ins only, as in corral-launcher.sh. $$ is the server's pid in a subshell: /proc/self/stat is read.
IFS= read -r corral_boot </proc/sys/kernel/random/boot_id

corral_fail() {
    echo "fail $token $*"
    exit 1
}

corral_join() {
    echo "$corral_pid" >"$1" || corral_fail "could not join the cgroup $1"
}

corral_launch() {
    true 2>>"$run/launcher.log" || corral_fail "cannot write $run/launcher.log"
    exec 2>>"$run/launcher.log"
    read -r corral_pid f2 f3 f4 f5 f6 f7 f8 f9 f10 f11 f12 f13 f14 f15 f16 f17 f18 f19 f20 f21 corral_ticks f23 \
        </proc/self/stat
    [ -r "$run/launch.sh" ] || corral_fail "$run/launch.sh is missing"
    . "$run/launch.sh"
    set -C
    echo "$corral_pid $corral_ticks $corral_boot" >"$run/launcher.pid" \
        || corral_fail "the launch was cancelled (launcher.pid exists)"
    set +C
    "$@" </dev/null >>"$corral_sandbox/stdout" 2>>"$corral_sandbox/stderr" &
    child=$!
    echo "$child" >"$run/task.pid"
    trap '' PIPE
    echo "ok $token $corral_pid $corral_ticks $child"
    wait "$child"
    status=$?
    kill -s KILL -- "-$child" 2>/dev/null
    echo "$status" >"$run/exit_status"
    echo "end $token"
}

while IFS= read -r request; do
    token=${request%% *}
    run=${request#* }
    corral_launch &
done
