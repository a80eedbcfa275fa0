/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * symbolize: what an address in a traced process is, for usymname(), umodname(),
 * usymfileline(), usymdata() and the lines of ubacktrace() and friends.
 *
 * An address is mapped through the process's mappings (proc.c, read again once when the
 * address is not in them) to a file and an offset in it, the offset to the file's own address
 * (its program headers), and that to a symbol of the file's tables or a line of its DWARF
 * (filecache.c, each file opened once).  Mappings that are not files ([stack], [vdso], anonymous
 * memory) have a module name but no symbol.  A return address is looked up one byte before it,
 * inside the call, as stap does.  Every string is cut to the caller's buffer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "script-priv.h"
#include "sym/dwarf.h"
#include "sym/sym.h"

long script_copy_out(const char *str, size_t n, char *buf, size_t len)
{
	if (!len)
		return -ENOSPC;
	if (n >= len)
		n = len - 1;
	memcpy(buf, str, n);
	buf[n] = '\0';
	return (long)n;
}

static long printed(int n, size_t len)
{
	if (n < 0 || !len)
		return -ENOSPC;
	return (size_t)n < len ? n : (long)len - 1;
}

long script_usymname(struct script_session *s, pid_t pid, uint64_t addr, char *buf, size_t len)
{
	const struct sym_mapping *m = script_proc_mapping(s, pid, addr);
	const struct sym_symbol *sym;
	const struct sym_file *f;
	uint64_t vaddr, off;

	if (!m || m->path[0] == '[')
		return -ENOENT;
	f = script_file_elf(s, m->path, NULL);
	if (!f || sym_offset_to_vaddr(f, addr - m->start + m->offset, 0, &vaddr) < 0 ||
	    sym_addr_lookup(f, vaddr, &sym, &off) < 0)
		return -ENOENT;
	return script_copy_out(sym->name, strlen(sym->name), buf, len);
}

long script_umodname(struct script_session *s, pid_t pid, uint64_t addr, char *buf, size_t len)
{
	const struct sym_mapping *m = script_proc_mapping(s, pid, addr);

	if (!m)
		return -ENOENT;
	return script_copy_out(m->path, strlen(m->path), buf, len);
}

long script_usymfileline(struct script_session *s, pid_t pid, uint64_t addr, char *buf, size_t len)
{
	const struct sym_mapping *m = script_proc_mapping(s, pid, addr);
	const struct sym_file *f;
	struct sym_dwarf *dw;
	const char *src;
	uint64_t vaddr;
	int line;

	if (!m || m->path[0] == '[' || !(f = script_file_elf(s, m->path, NULL)) ||
	    !(dw = script_file_dwarf(s, m->path)))
		return -ENOENT;
	if (sym_offset_to_vaddr(f, addr - m->start + m->offset, 0, &vaddr) < 0 ||
	    sym_dwarf_addr_line(dw, vaddr, &src, &line) < 0 || line <= 0)
		return -ENOENT;
	return printed(snprintf(buf, len, "%s:%d", src ? src : "??", line), len);
}

long script_usymdata(struct script_session *s, pid_t pid, uint64_t addr, bool ret_addr, char *buf,
		     size_t len)
{
	uint64_t at = ret_addr && addr ? addr - 1 : addr;
	const struct sym_mapping *m = script_proc_mapping(s, pid, at);
	const struct sym_symbol *sym;
	const struct sym_file *f;
	uint64_t vaddr, off;
	int n;

	if (!m)
		return -ENOENT;
	f = m->path[0] == '[' ? NULL : script_file_elf(s, m->path, NULL);
	if (!f || sym_offset_to_vaddr(f, at - m->start + m->offset, 0, &vaddr) < 0 ||
	    sym_addr_lookup(f, vaddr, &sym, &off) < 0)
		n = snprintf(buf, len, "[%s]", m->path);
	else
		n = snprintf(buf, len, "%s+0x%" PRIx64 "/0x%" PRIx64 " [%s]", sym->name,
			     off + (addr - at), sym->size, m->path);
	return printed(n, len);
}
