/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolve: include/utrace/resolve.h over src/sym and the x86 decoder, so that a tool can turn
 * "LIB:FUNC+OFF" into the (path, offset) of uprobe_register() without seeing either.  A
 * struct uprobe_file is a reference to the shared, immutable sym_file; nothing here writes to
 * a process.  Each failure is -errno with the reason in the caller's buffer, worded as utrace
 * -U has always printed it; a reason longer than the buffer is cut.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utrace/resolve.h"
#include "arch/x86_64/x86.h"
#include "sym/sym.h"
#include "util/strbuf.h"

struct uprobe_file {
	struct sym_file *sym;
};

static int say(char *why, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int say(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	if (len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return err;
}

int uprobe_find_library(const char *name, char **ret_path)
{
	return sym_find_library(name, NULL, ret_path);
}

int uprobe_file_open(const char *path, struct uprobe_file **ret_file)
{
	struct uprobe_file *f = malloc(sizeof(*f));
	int err = 0;

	if (!f)
		return -ENOMEM;
	f->sym = sym_file_open(path, &err);
	if (!f->sym) {
		free(f);
		return err ? err : -ENOEXEC;
	}
	*ret_file = f;
	return 0;
}

void uprobe_file_free(struct uprobe_file *f)
{
	if (!f)
		return;
	sym_file_free(f->sym);
	free(f);
}

const char *uprobe_file_path(const struct uprobe_file *f)
{
	return sym_file_path(f->sym);
}

struct each {
	const struct sym_file *f;
	uprobe_function_fn fn;
	void *data;
};

static int each_symbol(const struct sym_symbol *sym, void *data)
{
	struct each *e = data;
	uint64_t off;

	if (sym_vaddr_to_offset(e->f, sym->addr, SYM_NEED_EXEC, &off) < 0)
		return 0;
	return e->fn(sym->name, off, e->data) ? 1 : 0;
}

int uprobe_file_functions(const struct uprobe_file *f, const char *name, uprobe_function_fn fn,
			  void *data)
{
	struct each e = {f->sym, fn, data};
	const struct sym_symbol *sym;
	int r;

	if (strpbrk(name, "*?["))
		return sym_glob(f->sym, name, each_symbol, &e);
	r = sym_lookup(f->sym, name, &sym);
	if (r == 0)
		each_symbol(sym, &e);
	return r;
}

char *uprobe_file_explain(const struct uprobe_file *f, const char *name, int err)
{
	struct strbuf why = {0};

	sym_explain(f->sym, name, err, &why);
	if (!why.len) {
		sb_release(&why);
		return NULL;
	}
	return why.buf;
}

/* Byte off of sym, which must start an instruction when sym is decoded from its start. */
static int insn_start(const struct sym_file *f, const struct sym_symbol *sym, uint64_t off,
		      uint64_t *ret_offset, char *why, size_t len)
{
	uint64_t file_off;
	uint8_t *code;
	size_t n;
	int r;

	if (sym->size && off >= sym->size)
		return say(why, len, -ERANGE,
			   "offset 0x%" PRIx64 " is past the end of %s (%" PRIu64 " bytes)", off,
			   sym->name, sym->size);
	if (sym_vaddr_to_offset(f, sym->addr, SYM_NEED_EXEC, &file_off) < 0)
		return say(why, len, -ENOEXEC, "%s is not in an executable segment of %s",
			   sym->name, sym_file_path(f));
	n = sym->size ? sym->size : off + 16;
	code = malloc(n);
	if (!code)
		return say(why, len, -ENOMEM, "%s", "");
	r = sym_file_read(f, file_off, code, n);
	if (r == 0)
		r = x86_boundary_check(code, n, off);
	free(code);
	if (r < 0)
		return say(why, len, -EINVAL,
			   "offset 0x%" PRIx64 " is not on an instruction boundary in %s", off,
			   sym->name);
	*ret_offset = file_off + off;
	return 0;
}

int uprobe_file_func_offset(const struct uprobe_file *f, const char *func, uint64_t off,
			    uint64_t *ret_offset, char *why, size_t len)
{
	const struct sym_symbol *sym;
	int r = sym_lookup(f->sym, func, &sym);

	if (r < 0)
		return say(why, len, r, "no function '%s' in %s", func, sym_file_path(f->sym));
	return insn_start(f->sym, sym, off, ret_offset, why, len);
}

int uprobe_file_check_offset(const struct uprobe_file *f, uint64_t offset, uint64_t *ret_offset,
			     char *why, size_t len)
{
	const struct sym_symbol *sym;
	uint64_t vaddr, off;
	int r = sym_offset_to_vaddr(f->sym, offset, SYM_NEED_EXEC, &vaddr);

	if (r < 0)
		return say(why, len, r, "offset 0x%" PRIx64 " is %s of %s", offset,
			   r == -EACCES ? "not in an executable segment"
					: "not in any segment the loader maps",
			   sym_file_path(f->sym));
	if (sym_addr_lookup(f->sym, vaddr, &sym, &off) < 0)
		return say(why, len, -ENOENT,
			   "offset 0x%" PRIx64 " is in no known function of %s, so no "
			   "instruction boundary can be checked",
			   offset, sym_file_path(f->sym));
	return insn_start(f->sym, sym, off, ret_offset, why, len);
}
