/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc readers and remote memory access.  Everything here reads the kernel's view of a
 * process at one moment; callers that need consistency stop the thread first.  A process that
 * vanished between two reads shows up as -ESRCH or -ENOENT, never as a crash.
 *
 * Memory goes through process_vm_readv/writev first (one syscall, no page faults on our side),
 * and through /proc/PID/mem when that fails: /proc/PID/mem can write to read-only text (the
 * kernel's FOLL_FORCE private copy-on-write, as uprobes need) and read pages that are not
 * readable by the process itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "os/os.h"

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
		if (n == cap) {
			pid_t *grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(tids, (size_t)cap * sizeof(*tids));
			if (!grown) {
				free(tids);
				closedir(d);
				return -ENOMEM;
			}
			tids = grown;
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

static long mem_proc_rw(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = write ? pwrite(fd, buf, len, (off_t)addr) : pread(fd, buf, len, (off_t)addr);
	if (n < 0)
		n = -errno;
	else if (n == 0 && len)
		n = -EIO;
	close(fd);
	return n;
}

long mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n > 0)
		return n;
	return mem_proc_rw(pid, addr, buf, len, false);
}

long mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = {(void *)buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);

	/* Writable memory (the stack) in one call; text needs /proc/PID/mem's FOLL_FORCE. */
	if (n == (ssize_t)len)
		return n;
	return mem_proc_rw(pid, addr, (void *)buf, len, true);
}

long mem_read_str(pid_t pid, uint64_t addr, char *buf, size_t len)
{
	size_t got = 0;

	if (!len)
		return -EINVAL;
	while (got < len - 1) {
		/* Read up to the end of the current page, so an unmapped next page is no error. */
		size_t chunk = 4096 - ((addr + got) & 4095);
		long n;
		char *nul;

		if (chunk > len - 1 - got)
			chunk = len - 1 - got;
		n = mem_read(pid, addr + got, buf + got, chunk);
		if (n <= 0) {
			if (!got)
				return n ? n : -EFAULT;
			break;
		}
		nul = memchr(buf + got, '\0', (size_t)n);
		if (nul)
			return nul - buf;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (long)got;
}
