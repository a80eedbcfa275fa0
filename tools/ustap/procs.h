/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef USTAP_PROCS_H
#define USTAP_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the probe context says about a traced process, read from /proc once and cached. */
struct proc_info {
	pid_t pid;
	pid_t ppid;
	int64_t uid, euid, gid;
	char comm[64];
	char exe[4096];
};

/* The process's info, read on first use (a process that is gone gets zeros and ""). */
const struct proc_info *procs_get(pid_t pid);
/* After an exec: the next procs_get reads /proc again; symbols and mappings are dropped. */
void procs_refresh(pid_t pid);
void procs_forget(pid_t pid);
void procs_free_all(void);
/* The ELF file at path, opened once for the session; NULL with *ret_err (may be NULL) set. */
struct sym_file;
const struct sym_file *procs_file(const char *path, int *ret_err);

/*
 * The strings of the probe context functions, NUL-terminated in buf (at most len - 1 bytes);
 * the length or -errno (-ENOENT: not there).
 */
long procs_usymname(pid_t pid, uint64_t addr, char *buf, size_t len);
long procs_umodname(pid_t pid, uint64_t addr, char *buf, size_t len);
/* "file:line" of addr from the DWARF of the file mapped there ("??:line" without a file name). */
long procs_usymfileline(pid_t pid, uint64_t addr, char *buf, size_t len);
/*
 * "name+0xoff/0xsize [path]" (usymdata, backtrace lines), "[path]" without a symbol; a return
 * address (ret_addr) is looked up at addr - 1 and its offset still counted from addr.
 */
long procs_usymdata(pid_t pid, uint64_t addr, bool ret_addr, char *buf, size_t len);
/* The mappings of addrs are read now, so that they symbolize after the process is gone. */
void procs_note_addrs(pid_t pid, const uint64_t *addrs, int n);
/* arg < 0: every argument, separated by spaces. */
long procs_cmdline(pid_t pid, long arg, char *buf, size_t len);
long procs_env(pid_t pid, const char *name, char *buf, size_t len);

#endif
