/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whether a site can be jump-patched where a process maps it: the function around it read
 * from the file, with the other symbols that start inside it, handed to x86_patch_analyze
 * (which disassembles the whole function and says yes, or no and why).  Reading through the
 * file and not the process means our own int3s in the text never confuse the decoder.
 */
#include <errno.h>
#include <stdlib.h>

#include "arch/x86_64/patch.h"
#include "sym/sym.h"
#include "uprobe/uprobe-priv.h"

struct image {
	const struct sym_file *f;
	uint64_t bias;
};

static int read_image(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	const struct image *im = ctx;
	uint64_t off;
	int r = sym_vaddr_to_offset(im->f, vaddr - im->bias, 0, &off);

	return r < 0 ? r : sym_file_read(im->f, off, buf, len);
}

int up_patch_analyse(pid_t pid, const char *path, uint64_t offset, struct x86_patch *ret)
{
	const struct sym_symbol *s;
	struct sym_maps *m = NULL;
	struct sym_file *f;
	struct image im;
	size_t *entries = NULL, n = 0, i;
	uint8_t *code = NULL;
	uint64_t vaddr, in;
	int r;

	f = sym_file_open(path, &r);
	if (!f)
		return r < 0 ? r : -ENOENT;
	r = sym_offset_to_vaddr(f, offset, SYM_NEED_EXEC, &vaddr);
	if (r == 0)
		r = sym_addr_lookup(f, vaddr, &s, &in);
	if (r == 0 && !s->size)
		r = -ENOEXEC;
	if (r == 0)
		r = sym_maps_read(pid, &m);
	if (r == 0)
		r = sym_maps_load_bias(m, f, &im.bias);
	if (r < 0)
		goto out;
	im.f = f;
	code = malloc(s->size);
	entries = calloc(sym_count(f), sizeof(*entries));
	if (!code || !entries) {
		r = -ENOMEM;
		goto out;
	}
	r = sym_file_read(f, offset - in, code, s->size);
	if (r < 0)
		goto out;
	for (i = 0; i < sym_count(f); i++) {
		const struct sym_symbol *o = sym_at(f, i);

		if (o->addr > s->addr && o->addr < s->addr + s->size)
			entries[n++] = o->addr - s->addr;
	}
	r = x86_patch_analyze(&(struct x86_func){.code = code,
						 .size = s->size,
						 .vaddr = s->addr + im.bias,
						 .entries = entries,
						 .nentries = n,
						 .read = read_image,
						 .ctx = &im},
			      in, X86_PATCH_AFTER_ENDBR, ret);
out:
	free(code);
	free(entries);
	sym_maps_free(m);
	sym_file_free(f);
	return r;
}
