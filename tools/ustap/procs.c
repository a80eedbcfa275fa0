/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * procs: what ustap knows about each traced process, for the probe context functions.
 *
 * pid(), ppid(), uid(), gid(), execname() are asked on nearly every hit, so they are read from
 * /proc/PID/{status,comm,exe} once per process and kept until the process execs (the engine
 * calls procs_refresh) or dies.  usymname() and umodname() map an address through
 * /proc/PID/maps (read on first use and again when an address is not in it, as after a
 * dlopen) and the symbol tables of the mapped file, each ELF file opened once for the whole
 * session.  usymfileline() maps it the same way to the file's address and asks its DWARF
 * line table, the DWARF also opened once per file (on first use: most scripts never ask).
 * cmdline_str() and env_var() read /proc at each call: they change and are rare.
 * Nothing here is on the VM's side: the host ops of run.c call in.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procs.h"
#include "sym/dwarf.h"
#include "sym/sym.h"
#include "ustack.h"
#include "util/strbuf.h"

struct proc_entry {
	struct proc_info info;
	struct sym_maps *maps;
	struct proc_entry *next;
};

struct file_entry {
	char *path;
	struct sym_file *f; /* NULL: not readable, err says why */
	int err;
	struct sym_dwarf *dw;
	bool dw_opened; /* dw was asked for (NULL then: no DWARF) */
	struct file_entry *next;
};

static struct proc_entry *procs;
static struct file_entry *files;

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void load(struct proc_info *pi)
{
	char path[64], line[256];
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pi->pid);
	read_line(path, pi->comm, sizeof(pi->comm));
	snprintf(path, sizeof(path), "/proc/%d/exe", pi->pid);
	n = readlink(path, pi->exe, sizeof(pi->exe) - 1);
	pi->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/status", pi->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		long a, b;

		if (sscanf(line, "PPid: %ld", &a) == 1)
			pi->ppid = (pid_t)a;
		else if (sscanf(line, "Uid: %ld %ld", &a, &b) == 2)
			pi->uid = a, pi->euid = b;
		else if (sscanf(line, "Gid: %ld", &a) == 1)
			pi->gid = a;
	}
	fclose(f);
}

static struct proc_entry *entry(pid_t pid)
{
	struct proc_entry *e;

	for (e = procs; e; e = e->next)
		if (e->info.pid == pid)
			return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->info.pid = pid;
	load(&e->info);
	e->next = procs;
	procs = e;
	return e;
}

const struct proc_info *procs_get(pid_t pid)
{
	static struct proc_info none;
	struct proc_entry *e = entry(pid);

	return e ? &e->info : &none;
}

void procs_refresh(pid_t pid)
{
	struct proc_entry *e = entry(pid);

	if (!e)
		return;
	sym_maps_free(e->maps);
	e->maps = NULL;
	ustack_forget(pid);
	memset(&e->info, 0, sizeof(e->info));
	e->info.pid = pid;
	load(&e->info);
}

void procs_forget(pid_t pid)
{
	ustack_forget(pid);
	for (struct proc_entry **pp = &procs; *pp; pp = &(*pp)->next) {
		struct proc_entry *e = *pp;

		if (e->info.pid != pid)
			continue;
		*pp = e->next;
		sym_maps_free(e->maps);
		free(e);
		return;
	}
}

void procs_free_all(void)
{
	ustack_free_all();
	while (procs)
		procs_forget(procs->info.pid);
	while (files) {
		struct file_entry *f = files;

		files = f->next;
		sym_file_free(f->f);
		sym_dwarf_free(f->dw);
		free(f->path);
		free(f);
	}
}

static struct file_entry *file_entry(const char *path)
{
	struct file_entry *e;

	for (e = files; e; e = e->next)
		if (!strcmp(e->path, path))
			return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->path = strdup(path);
	e->f = e->path ? sym_file_open(path, &e->err) : NULL;
	e->next = files;
	files = e;
	return e;
}

const struct sym_file *procs_file(const char *path, int *ret_err)
{
	struct file_entry *e = file_entry(path);

	if (ret_err)
		*ret_err = !e ? -ENOMEM : e->f ? 0 : e->err < 0 ? e->err : -ENOENT;
	return e ? e->f : NULL;
}

static const struct sym_file *file(const char *path)
{
	return procs_file(path, NULL);
}

static struct sym_dwarf *dwarf(struct file_entry *e)
{
	if (!e->dw_opened) {
		e->dw_opened = true;
		if (sym_dwarf_open(e->path, &e->dw) < 0)
			e->dw = NULL;
	}
	return e->dw;
}

/* The mapping of addr, reading the maps again once if it is not there. */
static const struct sym_mapping *mapping(pid_t pid, uint64_t addr)
{
	struct proc_entry *e = entry(pid);
	const struct sym_mapping *m = NULL;

	if (!e)
		return NULL;
	for (int pass = 0; pass < 2 && !m; pass++) {
		if (!e->maps || pass) {
			struct sym_maps *now;

			/* A process that is gone keeps its last mappings (end probes). */
			if (sym_maps_read(pid, &now) < 0)
				return NULL;
			sym_maps_free(e->maps);
			e->maps = now;
		}
		m = sym_maps_find_addr(e->maps, addr);
		if (m && !*m->path)
			m = NULL;
	}
	return m;
}

static long copy_out(const char *s, size_t n, char *buf, size_t len)
{
	if (!len)
		return -ENOSPC;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return (long)n;
}

long procs_usymname(pid_t pid, uint64_t addr, char *buf, size_t len)
{
	const struct sym_mapping *m = mapping(pid, addr);
	const struct sym_symbol *sym;
	const struct sym_file *f;
	uint64_t vaddr, off;

	if (!m || m->path[0] == '[')
		return -ENOENT;
	f = file(m->path);
	if (!f || sym_offset_to_vaddr(f, addr - m->start + m->offset, 0, &vaddr) < 0 ||
	    sym_addr_lookup(f, vaddr, &sym, &off) < 0)
		return -ENOENT;
	return copy_out(sym->name, strlen(sym->name), buf, len);
}

long procs_usymfileline(pid_t pid, uint64_t addr, char *buf, size_t len)
{
	const struct sym_mapping *m = mapping(pid, addr);
	struct file_entry *e;
	struct sym_dwarf *dw;
	const char *src;
	uint64_t vaddr;
	int line, n;

	if (!m || m->path[0] == '[' || !(e = file_entry(m->path)) || !e->f || !(dw = dwarf(e)))
		return -ENOENT;
	if (sym_offset_to_vaddr(e->f, addr - m->start + m->offset, 0, &vaddr) < 0 ||
	    sym_dwarf_addr_line(dw, vaddr, &src, &line) < 0 || line <= 0)
		return -ENOENT;
	n = snprintf(buf, len, "%s:%d", src ? src : "??", line);
	if (n < 0 || !len)
		return -ENOSPC;
	return (size_t)n < len ? n : (long)len - 1;
}

void procs_note_addrs(pid_t pid, const uint64_t *addrs, int n)
{
	struct proc_entry *e = entry(pid);

	for (int i = 0; e && i < n; i++)
		if (!e->maps || !sym_maps_find_addr(e->maps, addrs[i]))
			(void)mapping(pid, addrs[i]);
}

long procs_usymdata(pid_t pid, uint64_t addr, bool ret_addr, char *buf, size_t len)
{
	uint64_t at = ret_addr && addr ? addr - 1 : addr;
	const struct sym_mapping *m = mapping(pid, at);
	const struct sym_symbol *sym;
	const struct sym_file *f;
	uint64_t vaddr, off;
	int n;

	if (!m)
		return -ENOENT;
	f = m->path[0] == '[' ? NULL : file(m->path);
	if (!f || sym_offset_to_vaddr(f, at - m->start + m->offset, 0, &vaddr) < 0 ||
	    sym_addr_lookup(f, vaddr, &sym, &off) < 0)
		n = snprintf(buf, len, "[%s]", m->path);
	else
		n = snprintf(buf, len, "%s+0x%" PRIx64 "/0x%" PRIx64 " [%s]", sym->name,
			     off + (addr - at), sym->size, m->path);
	if (n < 0 || !len)
		return -ENOSPC;
	return (size_t)n < len ? n : (long)len - 1;
}

long procs_umodname(pid_t pid, uint64_t addr, char *buf, size_t len)
{
	const struct sym_mapping *m = mapping(pid, addr);

	if (!m)
		return -ENOENT;
	return copy_out(m->path, strlen(m->path), buf, len);
}

/* The whole of /proc/PID/NAME (NUL-separated strings) in a malloc'd buffer. */
static char *slurp(pid_t pid, const char *name, size_t *ret_len)
{
	char path[64], *buf = NULL;
	size_t n = 0, cap = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	do {
		if (n + 4096 > cap) {
			char *grown = realloc(buf, cap = cap * 2 + 8192);

			if (!grown) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = grown;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r > 0)
			n += (size_t)r;
	} while (r > 0);
	close(fd);
	buf[n] = '\0';
	*ret_len = n;
	return buf;
}

long procs_cmdline(pid_t pid, long arg, char *buf, size_t len)
{
	size_t n, i = 0;
	char *all = slurp(pid, "cmdline", &n);
	struct strbuf sb = {0};
	long r = -ENOENT;

	if (!all)
		return -ESRCH;
	for (long k = 0; i < n; k++) {
		const char *word = all + i;

		if (arg < 0) {
			if (k)
				sb_putc(&sb, ' ');
			sb_printf(&sb, "%s", word);
		} else if (k == arg) {
			r = copy_out(word, strlen(word), buf, len);
			break;
		}
		i += strlen(word) + 1;
	}
	if (arg < 0)
		r = copy_out(sb_str(&sb), sb.len, buf, len);
	sb_release(&sb);
	free(all);
	return r;
}

long procs_env(pid_t pid, const char *name, char *buf, size_t len)
{
	size_t n, i = 0, nl = strlen(name);
	char *all = slurp(pid, "environ", &n);
	long r = -ENOENT;

	if (!all)
		return -ESRCH;
	while (i < n) {
		const char *var = all + i;

		if (!strncmp(var, name, nl) && var[nl] == '=') {
			r = copy_out(var + nl + 1, strlen(var + nl + 1), buf, len);
			break;
		}
		i += strlen(var) + 1;
	}
	free(all);
	return r;
}
