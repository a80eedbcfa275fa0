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
 * from the file) raises it there, and forgets the raise in the mapping that is gone.  Each
 * raise is a COUNTER entry of the journal, so lowering it (unregister, detach, a fork child)
 * subtracts what we added instead of writing old bytes back: the program's own changes to
 * the counter stay.
 */
#include <errno.h>

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

void up_refctr_update(struct uproc *p, struct ubp *bp, const struct sym_maps *maps)
{
	uint64_t addr;

	if (!bp->probe->ref_ctr_offset)
		return;
	addr = counter_addr(bp->probe, maps);
	if (!addr || addr == bp->ref_ctr_addr)
		return;
	cure_forget(p->cure, bp->ref_id);
	bp->ref_id = 0;
	bp->ref_ctr_addr = 0;
	if (cure_counter_add(p->cure, &p->be, addr, 1, "semaphore", &bp->ref_id) < 0) {
		pr_warn("pid %d: cannot raise the semaphore of %s:0x%lx", p->pid, bp->probe->path,
			(unsigned long)bp->probe->offset);
		return;
	}
	bp->ref_ctr_addr = addr;
}
