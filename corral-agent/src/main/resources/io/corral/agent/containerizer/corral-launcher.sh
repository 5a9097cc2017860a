# corral-launcher: the parent of one task's process tree. Run by the agent as
#   setsid /bin/sh -c "<this script>" corral-launcher <run dir> <sandbox> <setsid or ""> <task argv...>
# in its own session, so it outlives the agent (kill -9, crash, restart). It
#   1. waits for "go" on stdin: the agent has checkpointed this launcher's pid and start time and put it into the
#      container's cgroups; end of input instead means the agent died first, and nothing is started;
#   2. starts the task in a session of its own (so a kill of the task's process group never reaches the launcher),
#      stdin from /dev/null, output appended to the sandbox's stdout and stderr files;
#   3. records the task's pid in <run dir>/task.pid and tells the agent on stdout, then lets go of the agent's pipes;
#   4. waits for the task, kills whatever the task left in its process group, and records the wait status in
#      <run dir>/exit_status.
# POSIX sh only (dash, busybox): every Linux has it, and no JVM or other runtime is started per task. Only shell
# built-ins: no process is spawned but the task (spawning costs milliseconds), and the task's PATH does not matter.
# Each file is one short write(2); the agent reads exit_status only once this launcher has ended, so never half of it,
# and treats an empty task.pid as not written yet.
run_dir=$1
sandbox=$2
setsid=$3
shift 3
IFS= read -r go || exit 0
[ "$go" = go ] || exit 0
if [ -n "$setsid" ]; then
    "$setsid" "$@" </dev/null >>"$sandbox/stdout" 2>>"$sandbox/stderr" &
else
    "$@" </dev/null >>"$sandbox/stdout" 2>>"$sandbox/stderr" &
fi
child=$!
echo "$child" >"$run_dir/task.pid"
echo "$child"
exec </dev/null >/dev/null
wait "$child"
status=$?
if [ -n "$setsid" ]; then
    kill -s KILL -- "-$child" 2>/dev/null
fi
echo "$status" >"$run_dir/exit_status"
