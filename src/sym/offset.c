/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File offset <-> virtual address through the PT_LOAD program headers, the way the kernel maps
 * the file: within a segment, offset - p_offset == vaddr - p_vaddr.  Only bytes that come from
 * the file count (p_filesz, not p_memsz): .bss has no file offset, and a uprobe can only be
 * keyed by bytes of the file.  Probes additionally require PF_X (SYM_NEED_EXEC), so a typo'd
 * address in .data is refused here with -EACCES rather than corrupting data in the tracee.
 */
#include <errno.h>

#include "sym/internal.h"

const struct sym_segment *sym_segment_of_vaddr(const struct sym_file *f, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < f->nsegs; i++) {
		const struct sym_segment *s = &f->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz)
			return s;
	}
	return NULL;
}

int sym_vaddr_to_offset(const struct sym_file *f, uint64_t vaddr, unsigned flags,
			uint64_t *ret_offset)
{
	const struct sym_segment *s = sym_segment_of_vaddr(f, vaddr);

	if (!s)
		return -ERANGE;
	if ((flags & SYM_NEED_EXEC) && !(s->flags & PF_X))
		return -EACCES;
	*ret_offset = vaddr - s->vaddr + s->offset;
	return 0;
}

int sym_offset_to_vaddr(const struct sym_file *f, uint64_t offset, unsigned flags,
			uint64_t *ret_vaddr)
{
	const struct sym_segment *found = NULL;
	size_t i;

	for (i = 0; i < f->nsegs; i++) {
		const struct sym_segment *s = &f->segs[i];

		if (offset < s->offset || offset - s->offset >= s->filesz)
			continue;
		if (!found || ((s->flags & PF_X) && !(found->flags & PF_X)))
			found = s;
	}
	if (!found)
		return -ERANGE;
	if ((flags & SYM_NEED_EXEC) && !(found->flags & PF_X))
		return -EACCES;
	*ret_vaddr = offset - found->offset + found->vaddr;
	return 0;
}
