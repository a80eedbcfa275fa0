/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * examine: what an engine's user reads of a traced process besides its registers, its memory
 * and the file it runs, for tools that see only include/.  Both are the os layer's readers
 * (os/mem.c, os/proc.c) unchanged: a read never stops or resumes a thread, works on a running
 * thread as well as a stopped one, and fails with the kernel's -errno (a process that is gone
 * is -ESRCH, not an event: its death is reported by the loop).
 */
#include "engine/engine-priv.h"

long utrace_read_memory(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	return mem_read(pid, addr, buf, len);
}

int utrace_exe_path(pid_t pid, char *buf, size_t len)
{
	return proc_exe(pid, buf, len);
}
