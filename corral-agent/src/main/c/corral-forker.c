/*
 * corral-forker: one agent's launcher server, native. The same protocol and run-directory records as
 * corral-forker.sh (the agent's LauncherServer speaks to either), without a shell or any helper program: a launch
 * costs one small fork, one vfork and the task's own exec, where the script's costs a fork of a shell and the execs
 * of setsid, env (and setpriv for another user) before the task's.
 *
 * Run by the agent once, with an empty environment, stdin and stdout piped to the agent. It starts a session of its
 * own, then reads one request a line, "<token> <run dir>", and forks a per-task launcher for it. End of input (the
 * agent died or let go) ends the server; the launchers it forked keep running, and the next agent recovers them from
 * their run directories.
 *
 * A per-task launcher:
 *   1. sends its own errors to <run dir>/launcher.log; reads <run dir>/launch.args, written by the agent: pairs of
 *      NUL-terminated strings, "sandbox" <dir>, "join" <cgroup.procs> (any number), "user" <name> "uid" <n> "gid" <n>
 *      (all or none), "env" <NAME=value> (any number), "arg" <word> (one or more: the task's argv);
 *   2. enters the sandbox and joins the container's cgroups (writing its own pid, so the task it forks is in them);
 *   3. creates <run dir>/launcher.pid exclusively (the agent creates it first to cancel a launch whose server died)
 *      with its pid, start time and boot id, the record a restarted agent recognises it by;
 *   4. starts the task (vfork): a session of its own, every signal's default disposition and none blocked, stdin from
 *      /dev/null, output appended to the sandbox's stdout and stderr, the user's groups and ids, exactly the
 *      environment the agent wrote plus PWD, then execvp of the argv (status 127 when there is no such program, 126
 *      when it cannot run, 125 when the set-up before it failed; the reason in the sandbox's stderr); records
 *      task.pid;
 *   5. answers "ok <token> <launcher pid> <start ticks> <task pid>" (or "fail <token> <why>"), lines < 512 bytes,
 *      so each is one atomic write to the shared pipe;
 *   6. waits for the task, kills what it left in its process group, records the exit status as a shell's $? would
 *      (the code, or 128 + the signal), then tells the agent "end <token>" (SIGPIPE ignored from the task's start
 *      on: the agent may be gone).
 * Each record is one short write(2); the agent reads exit_status only once this launcher has ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SOURCE_SHA256
#define SOURCE_SHA256 "unknown" /* build.sh gives the SHA-256 of this file */
#endif

#define ANSWER_MAX 500
#define LAUNCH_ARGS_MAX (64 * 1024 * 1024)

extern char **environ;

static char boot_id[64];

/* The parsed launch.args: pointers into the file's bytes. */
struct launch {
    const char *sandbox;
    const char *user;
    long uid, gid;
    const char **joins;
    size_t join_count;
    char **env;
    size_t env_count;
    char **argv;
    size_t arg_count;
};

/* Writes all of buf to fd; 0 on success. */
static int write_all(int fd, const char *buf, size_t length) {
    while (length > 0) {
        ssize_t written = write(fd, buf, length);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        buf += written;
        length -= (size_t) written;
    }
    return 0;
}

/* One answer line to the agent, in one write so lines from many launchers never interleave. */
static void answer(const char *format, ...) {
    char line[ANSWER_MAX + 2];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(line, ANSWER_MAX, format, args);
    va_end(args);
    if (length < 0) {
        return;
    }
    if (length >= ANSWER_MAX) {
        length = ANSWER_MAX - 1;
    }
    for (int i = 0; i < length; i++) {
        if (line[i] == '\n') {
            line[i] = ' ';
        }
    }
    line[length++] = '\n';
    write_all(STDOUT_FILENO, line, (size_t) length);
}

static void launch_failed(long token, const char *why) {
    answer("fail %ld %s", token, why);
    fprintf(stderr, "corral-forker: %s\n", why);
    _exit(1);
}

/* Writes text to path (created or truncated, or only created when exclusive); 0 on success. */
static int write_file(const char *path, const char *text, int exclusive) {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
    int fd = open(path, flags, 0644);
    if (fd < 0) {
        return -1;
    }
    int result = write_all(fd, text, strlen(text));
    if (close(fd) != 0) {
        result = -1;
    }
    return result;
}

/* Reads a whole file, NUL-terminated after its last byte; NULL on failure. */
static char *read_file(const char *path, size_t *length) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    size_t capacity = 4096, used = 0;
    char *bytes = malloc(capacity + 1);
    for (;;) {
        if (bytes == NULL || used > LAUNCH_ARGS_MAX) {
            int why = bytes == NULL ? ENOMEM : EFBIG;
            free(bytes);
            close(fd);
            errno = why;
            return NULL;
        }
        if (used == capacity) {
            capacity *= 2;
            char *larger = realloc(bytes, capacity + 1);
            if (larger == NULL) {
                free(bytes);
                close(fd);
                errno = ENOMEM;
                return NULL;
            }
            bytes = larger;
        }
        ssize_t got = read(fd, bytes + used, capacity - used);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            int why = errno;
            free(bytes);
            close(fd);
            errno = why;
            return NULL;
        }
        if (got == 0) {
            break;
        }
        used += (size_t) got;
    }
    close(fd);
    bytes[used] = '\0';
    *length = used;
    return bytes;
}

/* Field 22 of /proc/self/stat, the start time in clock ticks since boot; -1 when unreadable. */
static long long start_ticks(void) {
    size_t length;
    char *stat = read_file("/proc/self/stat", &length);
    if (stat == NULL) {
        return -1;
    }
    long long ticks = -1;
    char *fields = strrchr(stat, ')'); /* the command name may hold spaces and parentheses */
    if (fields != NULL) {
        int field = 2;
        for (char *token = strtok(fields + 1, " "); token != NULL; token = strtok(NULL, " ")) {
            if (++field == 22) {
                ticks = atoll(token);
                break;
            }
        }
    }
    free(stat);
    return ticks;
}

static int append(void ***items, size_t *count, void *item) {
    void **larger = realloc(*items, (*count + 2) * sizeof(void *));
    if (larger == NULL) {
        return -1;
    }
    larger[(*count)++] = item;
    larger[*count] = NULL;
    *items = larger;
    return 0;
}

/* Parses launch.args; NULL on success, else what is wrong. */
static const char *parse(char *bytes, size_t length, struct launch *launch) {
    memset(launch, 0, sizeof(*launch));
    launch->uid = launch->gid = -1;
    if (length == 0 || bytes[length - 1] != '\0') {
        return "launch.args is not a list of NUL-terminated strings";
    }
    for (char *cursor = bytes; cursor < bytes + length;) {
        char *key = cursor;
        cursor += strlen(cursor) + 1;
        if (cursor >= bytes + length) {
            return "launch.args ends with a key and no value";
        }
        char *value = cursor;
        cursor += strlen(cursor) + 1;
        int failed = 0;
        if (strcmp(key, "sandbox") == 0) {
            launch->sandbox = value;
        } else if (strcmp(key, "join") == 0) {
            failed = append((void ***) &launch->joins, &launch->join_count, value);
        } else if (strcmp(key, "user") == 0) {
            launch->user = value;
        } else if (strcmp(key, "uid") == 0) {
            launch->uid = strtol(value, NULL, 10);
        } else if (strcmp(key, "gid") == 0) {
            launch->gid = strtol(value, NULL, 10);
        } else if (strcmp(key, "env") == 0) {
            failed = append((void ***) &launch->env, &launch->env_count, value);
        } else if (strcmp(key, "arg") == 0) {
            failed = append((void ***) &launch->argv, &launch->arg_count, value);
        } else {
            return "launch.args has an unknown key";
        }
        if (failed) {
            return "out of memory reading launch.args";
        }
    }
    if (launch->sandbox == NULL || launch->arg_count == 0) {
        return "launch.args names no sandbox or no argv";
    }
    if ((launch->user != NULL) != (launch->uid > 0) || (launch->uid > 0) != (launch->gid >= 0)) {
        return "launch.args names a user without its uid and gid (or root)";
    }
    return NULL;
}

/*
 * The task's child runs between vfork and exec on the launcher's memory and stack (the launcher waits meanwhile), so
 * it only makes system calls: no allocation, no stdio stream, no change to a global the launcher reads afterwards.
 */

/* What the task's child needs, all worked out by the launcher before the vfork. */
struct task_setup {
    const struct launch *launch;
    char stdout_path[PATH_MAX];
    char stderr_path[PATH_MAX];
    gid_t *groups; /* the user's supplementary groups; NULL when there is no user or they could not be listed */
    int group_count;
    int groups_errno; /* why they could not be listed */
};

/* In the task's child, before the exec: a failure is reported on the sandbox's stderr and ends the child. */
static void task_setup_failed(const char *what, const char *detail, int error) {
    char message[PATH_MAX + 256];
    int length = snprintf(message, sizeof(message), "corral: %s%s: %s\n", what, detail, strerror(error));
    if (length > 0) {
        write_all(STDERR_FILENO, message, length < (int) sizeof(message) ? (size_t) length : sizeof(message) - 1);
    }
    _exit(125);
}

static void open_as(int target, const char *path, int flags) {
    int fd = open(path, flags, 0644);
    if (fd < 0) {
        task_setup_failed("cannot open ", path, errno);
    }
    if (fd != target) {
        if (dup2(fd, target) < 0) {
            task_setup_failed("cannot redirect to ", path, errno);
        }
        close(fd);
    }
}

/* The task's process, from its vfork to its exec. Never returns. */
static void run_task(const struct task_setup *setup) {
    const struct launch *launch = setup->launch;
    setsid();
    struct sigaction defaults;
    memset(&defaults, 0, sizeof(defaults));
    defaults.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; signal++) {
        sigaction(signal, &defaults, NULL); /* fails harmlessly for SIGKILL, SIGSTOP and glibc's own */
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    open_as(STDIN_FILENO, "/dev/null", O_RDONLY);
    open_as(STDOUT_FILENO, setup->stdout_path, O_WRONLY | O_CREAT | O_APPEND);
    open_as(STDERR_FILENO, setup->stderr_path, O_WRONLY | O_CREAT | O_APPEND);

    if (launch->user != NULL) {
        if (setup->groups == NULL || setgroups((size_t) setup->group_count, setup->groups) != 0) {
            task_setup_failed("cannot take the groups of user ", launch->user,
                    setup->groups == NULL ? setup->groups_errno : errno);
        }
        if (setresgid((gid_t) launch->gid, (gid_t) launch->gid, (gid_t) launch->gid) != 0
                || setresuid((uid_t) launch->uid, (uid_t) launch->uid, (uid_t) launch->uid) != 0) {
            task_setup_failed("cannot become user ", launch->user, errno);
        }
    }
    execvp(launch->argv[0], launch->argv); /* the launcher made environ the task's environment */
    int error = errno;
    char message[PATH_MAX + 256];
    int length = snprintf(message, sizeof(message), "corral: cannot run '%s': %s\n", launch->argv[0],
            strerror(error));
    if (length > 0) {
        write_all(STDERR_FILENO, message, length < (int) sizeof(message) ? (size_t) length : sizeof(message) - 1);
    }
    _exit(error == ENOENT ? 127 : 126);
}

/*
 * Lists the supplementary groups of setup's user, as initgroups(3) would set them, into setup (in the launcher:
 * this reads the group database and allocates, which the task's child must not).
 */
static void list_groups(struct task_setup *setup) {
    const struct launch *launch = setup->launch;
    if (launch->user == NULL) {
        return;
    }
    int count = 64;
    for (int attempt = 0; attempt < 8; attempt++) {
        gid_t *groups = malloc((size_t) count * sizeof(gid_t));
        if (groups == NULL) {
            setup->groups_errno = ENOMEM;
            return;
        }
        int wanted = count;
        if (getgrouplist(launch->user, (gid_t) launch->gid, groups, &wanted) >= 0) {
            setup->groups = groups;
            setup->group_count = wanted;
            return;
        }
        free(groups);
        if (wanted <= count) {
            break;
        }
        count = wanted;
    }
    setup->groups_errno = EINVAL;
}

/*
 * Starts the task with vfork: the child borrows the launcher's memory until its exec, so no page table is copied
 * and no page written twice (the fork this replaced was about a third of a launch's CPU on a virtual machine whose
 * page-table updates trap). Every signal is blocked around it, so no handler of the launcher's runs in the child
 * before it has reset them. Returns the task's pid, or -1.
 */
static pid_t start_task(struct launch *launch, const char *sandbox) {
    struct task_setup setup;
    memset(&setup, 0, sizeof(setup));
    setup.launch = launch;
    snprintf(setup.stdout_path, sizeof(setup.stdout_path), "%s/stdout", sandbox);
    snprintf(setup.stderr_path, sizeof(setup.stderr_path), "%s/stderr", sandbox);
    list_groups(&setup);
    environ = launch->env; /* execvp searches the task's PATH, as the task would */
    sigset_t all, saved;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &saved);
    pid_t child = vfork();
    if (child == 0) {
        run_task(&setup);
    }
    sigprocmask(SIG_SETMASK, &saved, NULL);
    free(setup.groups);
    return child;
}

/* The per-task launcher, forked by the server. Never returns. */
static void launcher(long token, const char *run) {
    char path[PATH_MAX];
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
        dup2(null, STDIN_FILENO); /* let go of the request pipe */
        close(null);
    }
    signal(SIGCHLD, SIG_DFL);
    snprintf(path, sizeof(path), "%s/launcher.log", run);
    int log = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log < 0) {
        char why[PATH_MAX + 32];
        snprintf(why, sizeof(why), "cannot write %s", path);
        launch_failed(token, why);
    }
    dup2(log, STDERR_FILENO);
    close(log);

    long pid = (long) getpid();
    long long ticks = start_ticks();
    size_t length;
    snprintf(path, sizeof(path), "%s/launch.args", run);
    char *bytes = read_file(path, &length);
    if (bytes == NULL) {
        char why[PATH_MAX + 32];
        snprintf(why, sizeof(why), "cannot read %s: %s", path, strerror(errno));
        launch_failed(token, why);
    }
    struct launch launch;
    const char *wrong = parse(bytes, length, &launch);
    if (wrong != NULL) {
        launch_failed(token, wrong);
    }
    char why[PATH_MAX + 64];
    if (chdir(launch.sandbox) != 0) {
        snprintf(why, sizeof(why), "cannot enter the sandbox %s", launch.sandbox);
        launch_failed(token, why);
    }
    char cwd[PATH_MAX + 8] = "PWD=";
    if (getcwd(cwd + 4, PATH_MAX) == NULL) {
        launch_failed(token, "cannot name the sandbox's real path");
    }
    char number[32];
    snprintf(number, sizeof(number), "%ld\n", pid);
    for (size_t i = 0; i < launch.join_count; i++) {
        if (write_file(launch.joins[i], number, 0) != 0) {
            snprintf(why, sizeof(why), "could not join the cgroup %s", launch.joins[i]);
            launch_failed(token, why);
        }
    }
    if (append((void ***) &launch.env, &launch.env_count, cwd) != 0) {
        launch_failed(token, "out of memory");
    }
    char record[128];
    snprintf(record, sizeof(record), "%ld %lld %s\n", pid, ticks, boot_id);
    snprintf(path, sizeof(path), "%s/launcher.pid", run);
    if (write_file(path, record, 1) != 0) {
        launch_failed(token, "the launch was cancelled (launcher.pid exists)");
    }

    pid_t child = start_task(&launch, launch.sandbox);
    if (child < 0) {
        launch_failed(token, "cannot fork the task");
    }
    snprintf(path, sizeof(path), "%s/task.pid", run);
    snprintf(number, sizeof(number), "%ld\n", (long) child);
    write_file(path, number, 0);
    signal(SIGPIPE, SIG_IGN);
    answer("ok %ld %ld %lld %ld", token, pid, ticks, (long) child);

    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    kill(-child, SIGKILL);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    snprintf(number, sizeof(number), "%d\n", code);
    snprintf(path, sizeof(path), "%s/exit_status", run);
    write_file(path, number, 0);
    answer("end %ld", token);
    _exit(0);
}

static void read_boot_id(void) {
    size_t length;
    char *id = read_file("/proc/sys/kernel/random/boot_id", &length);
    if (id != NULL) {
        snprintf(boot_id, sizeof(boot_id), "%s", id);
        boot_id[strcspn(boot_id, "\n")] = '\0';
        free(id);
    }
}

static void reap_launchers(int signal) {
    (void) signal;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        puts("corral-forker 1 " SOURCE_SHA256);
        return 0;
    }
    setsid();
    /* Reaps each launcher as it ends (their CPU time is then the server's children's, as a shell server's is). */
    struct sigaction reap;
    memset(&reap, 0, sizeof(reap));
    reap.sa_handler = reap_launchers;
    reap.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &reap, NULL);
    read_boot_id();
    char *request = NULL;
    size_t capacity = 0;
    ssize_t length;
    while ((length = getline(&request, &capacity, stdin)) > 0) {
        if (request[length - 1] == '\n') {
            request[--length] = '\0';
        }
        char *space = strchr(request, ' ');
        if (space == NULL) {
            continue;
        }
        *space = '\0';
        long token = strtol(request, NULL, 10);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            launcher(token, space + 1);
        } else if (pid < 0) {
            answer("fail %ld cannot fork a launcher: %s", token, strerror(errno));
        }
    }
    return 0;
}
