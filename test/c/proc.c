#include "proc.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t t_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

pid_t t_spawn(const char *exe, char *const argv[], int out_fd)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(out_fd, 1) < 0) _exit(127);
        execv(exe, argv);
        _exit(127);
    }
    return pid;
}

int t_reap(pid_t pid, bool terminate, uint32_t wait_ms)
{
    if (terminate) kill(pid, SIGTERM);
    int status = 0;
    uint64_t until = t_now_ms() + wait_ms;
    while (t_now_ms() < until) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}
