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

int proc_status(pid_t tid, struct proc_status *ret)
{
	char path[64], line[256];
	struct proc_status st = {0};
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		*v++ = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strcmp(line, "Tgid"))
			st.tgid = atoi(v);
		else if (!strcmp(line, "PPid"))
			st.ppid = atoi(v);
		else if (!strcmp(line, "TracerPid"))
			st.tracer = atoi(v);
		else if (!strcmp(line, "State"))
			st.state = v[0];
		else if (!strcmp(line, "SigBlk"))
			st.sig_blk = parse_hex_mask(v);
		else if (!strcmp(line, "SigIgn"))
			st.sig_ign = parse_hex_mask(v);
		else if (!strcmp(line, "SigCgt"))
			st.sig_cgt = parse_hex_mask(v);
	}
	fclose(f);
	if (!st.tgid)
		return -ESRCH;
	*ret = st;
	return 0;
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
