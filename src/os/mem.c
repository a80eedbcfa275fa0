/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory of a traced process: the one reader and writer of the project (design.md section 2).
 *
 * process_vm_readv/writev go first: one syscall, no file to open.  /proc/PID/mem takes over
 * where they cannot go: pages the process itself may not read (PROT_NONE, execute-only) and
 * writes to read-only text, which only /proc/PID/mem's FOLL_FORCE can do (the kernel makes the
 * page a private copy-on-write copy, as mainline uprobes do).  A tracer of the process may use
 * both; anybody else gets -EPERM or -EACCES.
 *
 * A range is done piece by piece: process_vm_* stop at the first page they cannot touch and
 * say how far they got, so the rest is tried again through /proc/PID/mem, and so on until the
 * whole range is done or neither can go further.  mem_read and mem_write then return the
 * bytes done, short when the range runs into a page that is not mapped; an error only when
 * not even the first byte could be done: -EFAULT (nothing mapped there), -ESRCH (no such
 * process, or one without memory any more: a zombie), -EPERM/-EACCES (not ours to touch).
 * The _all forms want the whole range and give -EFAULT for a short one.
 *
 * mem_write_user writes as the program itself could, through process_vm_writev alone, so a
 * read-only page is -EFAULT (what a SystemTap guru-mode write must give); /proc/PID/mem is
 * used only when process_vm_writev is not allowed at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "os/os.h"

/* Returns bytes done (> 0) or -errno; never 0 for len > 0. */
static long vm_rw(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0)
			  : process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return n ? n : -EFAULT;
}

static long proc_rw(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
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
		n = errno == EIO ? -EFAULT : -errno;
	else if (n == 0)
		n = -ESRCH; /* the process has no memory any more */
	close(fd);
	return n;
}

static long rw(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
{
	size_t done = 0;
	long n = 0;

	while (done < len) {
		n = vm_rw(pid, addr + done, (char *)buf + done, len - done, write);
		if (n < 0 && n != -ESRCH)
			n = proc_rw(pid, addr + done, (char *)buf + done, len - done, write);
		if (n < 0)
			break;
		done += (size_t)n;
	}
	return done || !len ? (long)done : n;
}

long mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	return rw(pid, addr, buf, len, false);
}

long mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	return rw(pid, addr, (void *)buf, len, true);
}

static int all(long n, size_t len)
{
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EFAULT;
}

int mem_read_all(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	return all(mem_read(pid, addr, buf, len), len);
}

int mem_write_all(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	return all(mem_write(pid, addr, buf, len), len);
}

int mem_write_user(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	long n = vm_rw(pid, addr, (void *)buf, len, true);

	if (n == -EFAULT || n == -ESRCH)
		return (int)n;
	if (n < 0)
		return mem_write_all(pid, addr, buf, len);
	return all(n, len);
}

int mem_pid_read(void *pid, uint64_t addr, void *buf, size_t len)
{
	return mem_read_all(MEM_PID_OF(pid), addr, buf, len);
}

int mem_pid_write(void *pid, uint64_t addr, const void *buf, size_t len)
{
	return mem_write_all(MEM_PID_OF(pid), addr, buf, len);
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
