/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake_mem: the tests' stand-in for process_vm_readv.  Reads inside a mapped range succeed, a
 * read running past its end is short, a read starting outside every range fails with EFAULT.
 */
#include <errno.h>
#include <string.h>

#include "fake_mem.h"

void fake_map(struct fake_mem *m, uint64_t addr, const void *data, size_t len)
{
	m->region[m->n].addr = addr;
	m->region[m->n].data = data;
	m->region[m->n].len = len;
	m->n++;
}

void fake_map_str(struct fake_mem *m, uint64_t addr, const char *s)
{
	fake_map(m, addr, s, strlen(s) + 1);
}

long fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake_mem *m = ctx;

	m->reads++;
	for (int i = 0; i < m->n; i++) {
		uint64_t start = m->region[i].addr;
		size_t off, n;

		if (addr < start || addr >= start + m->region[i].len)
			continue;
		off = (size_t)(addr - start);
		n = m->region[i].len - off;
		if (n > len)
			n = len;
		memcpy(buf, (const char *)m->region[i].data + off, n);
		return (long)n;
	}
	return -EFAULT;
}

struct fmt_ctx fake_ctx(struct fake_mem *m, int string_limit)
{
	struct fmt_ctx ctx = {.string_limit = string_limit, .read = fake_read, .read_ctx = m};

	return ctx;
}

const char *fake_line(struct fake_mem *m, int string_limit, long nr, uint64_t a0, uint64_t a1,
		      uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, int64_t ret)
{
	static struct strbuf sb;
	struct fmt_ctx ctx = fake_ctx(m, string_limit);
	uint64_t args[6] = {a0, a1, a2, a3, a4, a5};

	sb_reset(&sb);
	fmt_syscall_entry(&sb, &ctx, nr, args);
	fmt_syscall_exit(&sb, &ctx, nr, args, ret);
	return sb_str(&sb);
}
