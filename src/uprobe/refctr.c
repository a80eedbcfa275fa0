/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reference counters (SDT semaphores): mainline's ref_ctr_offset.
 *
 * A marker built with a semaphore runs only while its 16-bit counter in the file's writable
 * data is non-zero (`if (PROVIDER_NAME_ENABLED()) DTRACE_PROBE(...)`), so a probe on it has to
 * raise the counter in every process where the breakpoint goes in, and lower it again when the
 * breakpoint comes out.  Each breakpoint counts once, as each mainline uprobe does, so two
 * tracers and several sites of one marker add up.
 *
 * The counter lives in the file's writable mapping, which may not be in place yet when the
 * text is: the dynamic loader maps a library's data segment after its text.  So the counter
 * is (re)found at every look at the maps (up_install_all after mmap and mprotect): a
 * breakpoint whose counter is not where it was raised (the mapping is new, its contents fresh
 * from the file) raises it there.  Lowering writes only to the mapping that was raised.
 */
#include <errno.h>

#include "os/os.h"
#include "sym/sym.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

/* Where the probe's counter is in this process now: its file's writable mapping, or 0. */
static uint64_t counter_addr(const struct uprobe *probe, const struct sym_maps *maps)
{
	for (size_t i = 0; i < maps->count; i++) {
		const struct sym_mapping *m = &maps->v[i];

		if (m->perms[1] == 'w' && up_mapping_holds(m, probe, probe->ref_ctr_offset, 2))
			return m->start + (probe->ref_ctr_offset - m->offset);
	}
	return 0;
}

static int add(pid_t pid, uint64_t addr, int delta)
{
	uint16_t v;
	int r = mem_read_all(pid, addr, &v, sizeof(v));

	if (r < 0)
		return r;
	if (delta < 0 && v == 0)
		return 0;
	v = (uint16_t)(v + delta);
	return mem_write_all(pid, addr, &v, sizeof(v));
}

void up_refctr_update(struct uproc *p, struct ubp *bp, const struct sym_maps *maps)
{
	uint64_t addr;

	if (!bp->probe->ref_ctr_offset)
		return;
	addr = counter_addr(bp->probe, maps);
	if (!addr || addr == bp->ref_ctr_addr)
		return;
	if (add(p->pid, addr, 1) < 0) {
		pr_warn("pid %d: cannot raise the semaphore of %s:0x%lx", p->pid, bp->probe->path,
			(unsigned long)bp->probe->offset);
		return;
	}
	bp->ref_ctr_addr = addr;
}

void up_refctr_lower(pid_t pid, const struct ubp *bp)
{
	if (bp->ref_ctr_addr)
		(void)add(pid, bp->ref_ctr_addr, -1);
}
