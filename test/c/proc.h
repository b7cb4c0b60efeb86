/* Child processes for the host integration tests (test-host of each
 * firmware): the program under test is started, then stopped or waited for
 * within a deadline, on a monotonic clock. */
#ifndef DPP_TEST_PROC_H
#define DPP_TEST_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

uint64_t t_now_ms(void);
/* exe with argv (argv[0] included, NULL-terminated), its stdout on out_fd; -1 if fork fails. */
pid_t t_spawn(const char *exe, char *const argv[], int out_fd);
/* Wait up to wait_ms for it to exit (after SIGTERM if terminate): its exit status, 128 + the
 * signal that ended it, or -1 if it had to be killed. */
int t_reap(pid_t pid, bool terminate, uint32_t wait_ms);

#endif
