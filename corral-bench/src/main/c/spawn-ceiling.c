/*
 * spawn-ceiling: how many tasks a second this machine can start and end at all, with no cluster manager in the way.
 * Each of WORKERS processes does LAUNCHES / WORKERS times what the least task of `bin/corral local` needs: with
 * "cgroups", fresh cgroups made and limited (v1: cpu, memory and pids hierarchies; v2: one group with cpu.weight,
 * memory.max and pids.max), then a vfork whose child joins them and execs `/bin/sh -c true` (a Mesos command task's
 * shell), a waitpid, and the groups removed; with "none", only the vfork, exec and wait; with "launcher", the
 * cgroups and a per-task launcher as the agent's (a fork that joins the groups, vforks the task and waits for it, so
 * that the task outlives its agent). No JVM, no HTTP, no files: a floor under any cluster manager's cost per task,
 * against which bench/local-launch's tasks/s can be read.
 *
 * Usage: spawn-ceiling LAUNCHES WORKERS none|cgroups|launcher  (cgroups and launcher need root and a writable
 * /sys/fs/cgroup)
 * Prints one line: "<mode>: <n> launches from <w> workers in <s> s: <rate>/s".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MOST_GROUPS 3

struct limit {
    const char *file;
    const char *value;
};

/* The cgroup directories of one task (none without cgroups). */
struct groups {
    int count;
    char dirs[MOST_GROUPS][256];
};

static int unified; /* cgroup v2 */

static void fail(const char *what) {
    perror(what);
    exit(2);
}

/* Writes a limit; on v2 a controller the parent does not hand down has no file, and that limit is left out. */
static void put(const char *dir, const char *file, const char *value) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 && unified && errno == ENOENT) {
        return;
    }
    if (fd < 0 || write(fd, value, strlen(value)) < 0) {
        fail(path);
    }
    close(fd);
}

static void make_groups(struct groups *g, int worker, int i) {
    static const char *v1[MOST_GROUPS] = {"cpu", "memory", "pids"};
    static const struct limit v1_limits[MOST_GROUPS] = {
        {"cpu.shares", "102"}, {"memory.limit_in_bytes", "33554432"}, {"pids.max", "100"}};
    g->count = unified ? 1 : MOST_GROUPS;
    for (int c = 0; c < g->count; c++) {
        if (unified) {
            snprintf(g->dirs[c], sizeof g->dirs[c], "/sys/fs/cgroup/spawn-ceiling-%d-%d-%d", getppid(), worker, i);
        } else {
            snprintf(g->dirs[c], sizeof g->dirs[c], "/sys/fs/cgroup/%s/spawn-ceiling-%d-%d-%d", v1[c], getppid(),
                     worker, i);
        }
        if (mkdir(g->dirs[c], 0755) != 0) {
            fail(g->dirs[c]);
        }
        if (unified) {
            put(g->dirs[c], "cpu.weight", "4");
            put(g->dirs[c], "memory.max", "33554432");
            put(g->dirs[c], "pids.max", "100");
        } else {
            put(g->dirs[c], v1_limits[c].file, v1_limits[c].value);
        }
    }
}

/* Puts the calling process into the groups; in a vforked child, so only async-signal-safe calls. */
static int join(const struct groups *g) {
    char pid[16];
    int n = snprintf(pid, sizeof pid, "%d", getpid());
    for (int c = 0; c < g->count; c++) {
        char path[512];
        snprintf(path, sizeof path, "%s/cgroup.procs", g->dirs[c]);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, pid, n) != n) {
            return -1;
        }
        close(fd);
    }
    return 0;
}

/* vforks `/bin/sh -c true` (in the groups when join_first) and waits for it; its wait status. */
static int run_task(const struct groups *g, int join_first) {
    pid_t child = vfork();
    if (child < 0) {
        return -1;
    }
    if (child == 0) {
        if (join_first && join(g) != 0) {
            _exit(125);
        }
        execl("/bin/sh", "sh", "-c", "true", (char *) NULL);
        _exit(127);
    }
    int status;
    return waitpid(child, &status, 0) < 0 ? -1 : status;
}

/* A per-task launcher: a fork that joins the groups (its task inherits them) and waits for its task. */
static int run_launcher(const struct groups *g) {
    pid_t launcher = fork();
    if (launcher < 0) {
        return -1;
    }
    if (launcher == 0) {
        if (join(g) != 0) {
            _exit(125);
        }
        int status = run_task(g, 0);
        _exit(status == 0 ? 0 : 1);
    }
    int status;
    return waitpid(launcher, &status, 0) < 0 ? -1 : status;
}

static void launch(int worker, int i, const char *mode) {
    struct groups g = {0};
    if (strcmp(mode, "none") != 0) {
        make_groups(&g, worker, i);
    }
    int status = strcmp(mode, "launcher") == 0 ? run_launcher(&g) : run_task(&g, 1);
    if (status != 0) {
        fprintf(stderr, "a task ended with status %d\n", status);
        exit(2);
    }
    for (int c = 0; c < g.count; c++) {
        while (rmdir(g.dirs[c]) != 0) { /* the kernel may still count the exited task in it for a moment */
            if (errno != EBUSY) {
                fail(g.dirs[c]);
            }
            usleep(100);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[3], "none") != 0 && strcmp(argv[3], "cgroups") != 0
                      && strcmp(argv[3], "launcher") != 0)) {
        fprintf(stderr, "usage: spawn-ceiling LAUNCHES WORKERS none|cgroups|launcher\n");
        return 2;
    }
    int launches = atoi(argv[1]);
    int workers = atoi(argv[2]);
    int cgroups = strcmp(argv[3], "none") != 0;
    if (launches < 1 || workers < 1) {
        fprintf(stderr, "LAUNCHES and WORKERS are positive numbers\n");
        return 2;
    }
    unified = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int w = 0; w < workers; w++) {
        pid_t p = fork();
        if (p < 0) {
            fail("fork");
        }
        if (p == 0) {
            for (int i = w; i < launches; i += workers) {
                launch(w, i, argv[3]);
            }
            _exit(0);
        }
    }
    int failed = 0;
    for (int w = 0; w < workers; w++) {
        int status;
        if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            failed = 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (failed) {
        fprintf(stderr, "a worker failed\n");
        return 1;
    }
    double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%s%s: %d launches from %d workers in %.2f s: %.0f/s\n", argv[3],
           cgroups ? (unified ? " (v2)" : " (v1: cpu, memory, pids)") : "", launches, workers, seconds,
           launches / seconds);
    return 0;
}
