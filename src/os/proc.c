/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc readers.  Everything here reads the kernel's view of a process at one moment; callers
 * that need consistency stop the thread first.  A process that vanished between two reads
 * shows up as -ESRCH or -ENOENT, never as a crash.  Its memory is mem.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/os.h"
#include "util/vec.h"

static uint64_t parse_hex_mask(const char *s)
{
	return strtoull(s, NULL, 16);
}

int proc_status_open(pid_t tid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

/* The value after "\nKey:" and blanks, or NULL. */
static const char *status_field(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	if (!p)
		return NULL;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * The kernel regenerates the file at each read from offset 0: one pread per look.  This runs
 * at every signal a tracee gets, so only the wanted fields are searched for.
 */
int proc_status_fd(int fd, struct proc_status *ret)
{
	char buf[4096];
	struct proc_status st = {0};
	ssize_t n = pread(fd, buf + 1, sizeof(buf) - 2, 0);
	const char *v;

	if (n <= 0)
		return -ESRCH;
	buf[0] = '\n';
	buf[n + 1] = '\0';
	/* The fields come in this order: each search starts where the last one ended. */
	if ((v = status_field(buf, "\nState:")))
		st.state = v[0];
	if ((v = status_field(v ? v : buf, "\nTgid:")))
		st.tgid = atoi(v);
	if ((v = status_field(v ? v : buf, "\nPPid:")))
		st.ppid = atoi(v);
	if ((v = status_field(v ? v : buf, "\nTracerPid:")))
		st.tracer = atoi(v);
	if ((v = status_field(v ? v : buf, "\nSigPnd:")))
		st.sig_pnd = parse_hex_mask(v);
	if ((v = status_field(v ? v : buf, "\nSigBlk:")))
		st.sig_blk = parse_hex_mask(v);
	if ((v = status_field(v ? v : buf, "\nSigIgn:")))
		st.sig_ign = parse_hex_mask(v);
	if ((v = status_field(v ? v : buf, "\nSigCgt:")))
		st.sig_cgt = parse_hex_mask(v);
	if (!st.tgid)
		return -ESRCH;
	*ret = st;
	return 0;
}

int proc_status(pid_t tid, struct proc_status *ret)
{
	int fd = proc_status_open(tid), r;

	if (fd < 0)
		return fd;
	r = proc_status_fd(fd, ret);
	close(fd);
	return r;
}

int proc_tasks(pid_t pid, pid_t **ret_tids, int *ret_count)
{
	char path[64];
	struct dirent *de;
	pid_t *tids = NULL;
	int n = 0, cap = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		if (VEC_GROW(tids, cap, n) < 0) {
			free(tids);
			closedir(d);
			return -ENOMEM;
		}
		tids[n++] = tid;
	}
	closedir(d);
	*ret_tids = tids;
	*ret_count = n;
	return 0;
}

int proc_exe(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}
