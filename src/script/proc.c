/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proc: what a session knows about each traced process, in one struct script_proc per pid.
 *
 * It holds four caches whose lives are one: the process's facts (ppid, uid, euid, gid, comm and
 * exe, asked on nearly every hit, so read from /proc/PID/{status,comm,exe} once), its mappings
 * (/proc/PID/maps, read on first use and again when an address is not in it, as after a
 * dlopen), the load bias of each file it maps (for @var and $var globals, sym_maps_load_bias),
 * and its libdwfl unwinder (src/sym/unwind.c, reading the stack with process_vm_readv; the
 * thread is stopped at the hit, so nothing is ptraced here).  Two events change them:
 *
 *   exec   the image is new: facts read again at once; mappings, biases and unwinder dropped
 *          (each is made again on first use);
 *   exit   the leader died: the biases go, so process.end finds the process gone rather than a
 *          stale address; facts and mappings stay, so stacks kept from its hits symbolize in
 *          end probes after it is gone.
 *
 * Everything goes with the session (script_procs_free, after the end probes).  A bias not found
 * is looked up again at the next use, so a library dlopen()ed later is found.  A process whose
 * mappings cannot be read, or that has none left (it exited), is -ESRCH for a bias.  The
 * unwinder gets the return addresses uretprobes hijacked (uretprobe_pending), so a walk from a
 * return probe goes on through the caller instead of ending at the trampoline.  cmdline and
 * environ are read at each call: they change, and are rare.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script-priv.h"
#include "sym/sym.h"
#include "sym/unwind.h"
#include "util/strbuf.h"
#include "utrace/uprobe.h"

struct script_bias {
	char *path;
	uint64_t bias;
	struct script_bias *next;
};

struct script_proc {
	struct script_proc_info info;
	struct sym_maps *maps; /* NULL: not read yet */
	struct script_bias *biases;
	struct sym_unwinder *unwinder; /* NULL: not made yet */
	struct script_proc *next;
};

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

static void load(struct script_proc_info *pi)
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

static struct script_proc *find(struct script_session *s, pid_t pid)
{
	for (struct script_proc *p = s->procs; p; p = p->next)
		if (p->info.pid == pid)
			return p;
	return NULL;
}

/* The process's entry, made (and its facts read) on first use; NULL: no memory. */
static struct script_proc *get(struct script_session *s, pid_t pid)
{
	struct script_proc *p = find(s, pid);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->info.pid = pid;
	load(&p->info);
	p->next = s->procs;
	s->procs = p;
	return p;
}

static void drop_biases(struct script_proc *p)
{
	while (p->biases) {
		struct script_bias *b = p->biases;

		p->biases = b->next;
		free(b->path);
		free(b);
	}
}

/* What the image determined: mappings, biases, unwinder. */
static void drop_image(struct script_proc *p)
{
	sym_maps_free(p->maps);
	p->maps = NULL;
	drop_biases(p);
	sym_unwinder_free(p->unwinder);
	p->unwinder = NULL;
}

const struct script_proc_info *script_proc_info(struct script_session *s, pid_t pid)
{
	struct script_proc *p = get(s, pid);

	return p ? &p->info : &s->none;
}

void script_proc_exec(struct script_session *s, pid_t pid)
{
	struct script_proc *p = get(s, pid);

	if (!p)
		return;
	drop_image(p);
	memset(&p->info, 0, sizeof(p->info));
	p->info.pid = pid;
	load(&p->info);
}

void script_proc_exit(struct script_session *s, pid_t pid)
{
	struct script_proc *p = find(s, pid);

	if (p)
		drop_biases(p);
}

void script_procs_free(struct script_session *s)
{
	while (s->procs) {
		struct script_proc *p = s->procs;

		s->procs = p->next;
		drop_image(p);
		free(p);
	}
}

const struct sym_mapping *script_proc_mapping(struct script_session *s, pid_t pid, uint64_t addr)
{
	struct script_proc *p = get(s, pid);
	const struct sym_mapping *m = NULL;

	if (!p)
		return NULL;
	for (int pass = 0; pass < 2 && !m; pass++) {
		if (!p->maps || pass) {
			struct sym_maps *now;

			/* A process that is gone keeps its last mappings (end probes). */
			if (sym_maps_read(pid, &now) < 0)
				return NULL;
			sym_maps_free(p->maps);
			p->maps = now;
		}
		m = sym_maps_find_addr(p->maps, addr);
		if (m && !*m->path)
			m = NULL;
	}
	return m;
}

void script_proc_note_addrs(struct script_session *s, pid_t pid, const uint64_t *addrs, int n)
{
	struct script_proc *p = get(s, pid);

	for (int i = 0; p && i < n; i++)
		if (!p->maps || !sym_maps_find_addr(p->maps, addrs[i]))
			(void)script_proc_mapping(s, pid, addrs[i]);
}

static int look_up_bias(pid_t pid, const struct sym_file *f, uint64_t *ret)
{
	struct sym_maps *m;
	int r = sym_maps_read(pid, &m);

	if (r < 0)
		return -ESRCH;
	r = m->count ? sym_maps_load_bias(m, f, ret) : -ESRCH;
	sym_maps_free(m);
	return r;
}

int script_proc_bias(struct script_session *s, pid_t pid, const char *path, uint64_t *ret_bias)
{
	struct script_proc *p = get(s, pid);
	const struct sym_file *f;
	struct script_bias *b;
	uint64_t bias;
	int r;

	if (!p)
		return -ENOMEM;
	for (b = p->biases; b; b = b->next)
		if (!strcmp(b->path, path)) {
			*ret_bias = b->bias;
			return 0;
		}
	f = script_file_elf(s, path, &r);
	if (!f)
		return r;
	r = look_up_bias(pid, f, &bias);
	if (r < 0)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->path = strdup(path);
	if (!b->path) {
		free(b);
		return -ENOMEM;
	}
	b->bias = bias;
	b->next = p->biases;
	p->biases = b;
	*ret_bias = bias;
	return 0;
}

/*
 * The return addresses uretprobes hijacked in tid (the slot holding the trampoline and the real
 * address), so that the walk goes through those frames instead of stopping at the trampoline.
 */
static size_t fixups(pid_t tid, struct sym_unwind_fixup *fix, size_t max)
{
	struct uretprobe_pending pend[64];
	int n = uretprobe_pending(tid, pend, (int)(max < 64 ? max : 64)), i;

	for (i = 0; i < n; i++) {
		fix[i].slot = pend[i].slot;
		fix[i].ret_addr = pend[i].ret_addr;
	}
	return n > 0 ? (size_t)n : 0;
}

int script_proc_backtrace(struct script_session *s, pid_t pid, pid_t tid,
			  const struct user_regs_struct *regs, uint64_t *pcs, int max)
{
	struct script_proc *p = get(s, pid);
	struct sym_unwind_fixup fix[64];
	size_t nfix = fixups(tid, fix, sizeof(fix) / sizeof(fix[0]));
	int n, r;

	if (p && !p->unwinder &&
	    sym_unwinder_new(pid, script_read_tracee, (void *)(intptr_t)pid, &p->unwinder) < 0)
		p->unwinder = NULL;
	if (!p || !p->unwinder)
		return -ENOMEM;
	r = sym_unwind(p->unwinder, tid, regs, fix, nfix, pcs, max, &n);
	if (r < 0)
		return r;
	if (n > 0)
		script_proc_note_addrs(s, pid, pcs, n);
	return n;
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

long script_proc_cmdline(pid_t pid, long arg, char *buf, size_t len)
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
			r = script_copy_out(word, strlen(word), buf, len);
			break;
		}
		i += strlen(word) + 1;
	}
	if (arg < 0)
		r = script_copy_out(sb_str(&sb), sb.len, buf, len);
	sb_release(&sb);
	free(all);
	return r;
}

long script_proc_env(pid_t pid, const char *name, char *buf, size_t len)
{
	size_t n, i = 0, nl = strlen(name);
	char *all = slurp(pid, "environ", &n);
	long r = -ENOENT;

	if (!all)
		return -ESRCH;
	while (i < n) {
		const char *var = all + i;

		if (!strncmp(var, name, nl) && var[nl] == '=') {
			r = script_copy_out(var + nl + 1, strlen(var + nl + 1), buf, len);
			break;
		}
		i += strlen(var) + 1;
	}
	free(all);
	return r;
}
