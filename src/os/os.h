/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef OS_OS_H
#define OS_OS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/ptrace.h>

/* Every ptrace call of the project goes through here; all return 0 / value or -errno. */
int pt_seize(pid_t tid, unsigned long options);
int pt_setoptions(pid_t tid, unsigned long options);
int pt_interrupt(pid_t tid);
int pt_resume(int request, pid_t tid, int sig);
int pt_detach(pid_t tid, int sig);
int pt_getregs(pid_t tid, struct user_regs_struct *ret_regs);
int pt_setregs(pid_t tid, const struct user_regs_struct *regs);
int pt_geteventmsg(pid_t tid, unsigned long *ret_msg);
int pt_getsiginfo(pid_t tid, siginfo_t *ret_info);
int pt_setsiginfo(pid_t tid, const siginfo_t *info);
/* The blocked-signal mask of a stopped thread (a kernel sigset_t: 64 bits on x86-64). */
int pt_getsigmask(pid_t tid, uint64_t *ret_mask);
int pt_setsigmask(pid_t tid, uint64_t mask);
int pt_syscall_info(pid_t tid, struct __ptrace_syscall_info *ret_info);
const char *pt_request_name(int request);

/* /proc/PID/status and /proc/PID/task */
struct proc_status {
	pid_t tgid;
	pid_t ppid;
	pid_t tracer;
	char state;
	uint64_t sig_pnd; /* the thread's own queue (SigPnd), not the process's */
	uint64_t sig_blk, sig_ign, sig_cgt;
};
int proc_status(pid_t tid, struct proc_status *ret);
/* For repeated looks at one thread: an fd for proc_status_fd(). */
int proc_status_open(pid_t tid);
int proc_status_fd(int fd, struct proc_status *ret);
int proc_tasks(pid_t pid, pid_t **ret_tids, int *ret_count);
int proc_exe(pid_t pid, char *buf, size_t len);

/*
 * Memory of a traced process (mem.c): process_vm_readv/writev, and /proc/PID/mem where they
 * cannot go (read-only text, unreadable pages).  mem_read/mem_write return the bytes done,
 * short at a page that is not mapped, or -errno if not even one byte was: -EFAULT, -ESRCH
 * (no such process), -EPERM/-EACCES.  The _all forms return 0 or -errno, -EFAULT when short.
 */
long mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);
long mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len);
int mem_read_all(pid_t pid, uint64_t addr, void *buf, size_t len);
int mem_write_all(pid_t pid, uint64_t addr, const void *buf, size_t len);
/* As the program itself could write: page protections kept, a read-only page is -EFAULT. */
int mem_write_user(pid_t pid, uint64_t addr, const void *buf, size_t len);
/* A NUL-terminated string of at most len-1 bytes; returns its length or -errno. */
long mem_read_str(pid_t pid, uint64_t addr, char *buf, size_t len);
/*
 * The _all forms as callbacks whose data is the pid, MEM_PID(pid): the shape of struct
 * x86_mem, sym_unwind_read_fn and rt_read_mem_fn.
 */
#define MEM_PID(pid)	((void *)(intptr_t)(pid))
#define MEM_PID_OF(ctx) ((pid_t)(intptr_t)(ctx))
int mem_pid_read(void *pid, uint64_t addr, void *buf, size_t len);
int mem_pid_write(void *pid, uint64_t addr, const void *buf, size_t len);

#endif
