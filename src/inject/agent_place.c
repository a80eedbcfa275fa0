/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the agent goes in a process: an address that jump patches in the main executable's
 * text can reach with a rel32 jmp (every byte of the agent within ±2 GiB, less a margin, of
 * every byte of the text), in memory that nothing maps, computed from one reading of
 * /proc/PID/maps.  Pure: the loader asks the kernel for the address with MAP_FIXED_NOREPLACE,
 * so a stale reading costs a fallback, never a clobbered mapping.
 *
 * Which hole: one below the executable first (for a PIE, the space under 0x55... is empty and
 * nothing grows into it), the highest that fits, so the agent sits next to the text; else one
 * above, again the highest in reach, which keeps it as far as the window allows from the brk
 * heap that grows up from the end of the executable.  A page is left free on both sides so that
 * the agent's mappings never merge with a neighbour's in the kernel's (and the maps file's)
 * view.
 */
#include <errno.h>
#include <string.h>

#include "inject/agent_load.h"
#include "sym/sym.h"

#define PAGE	   4096ull
#define ADDR_FLOOR 0x10000ull	     /* above any vm.mmap_min_addr in use */
#define ADDR_CEIL  0x7ffffffff000ull /* the top of a 47-bit user address space */

bool inj_reaches(uint64_t addr, uint64_t size, uint64_t lo, uint64_t hi)
{
	return addr + size <= lo + INJ_REACH && (hi <= INJ_REACH || addr >= hi - INJ_REACH);
}

int inj_exe_text(const struct sym_maps *m, const char *exe, uint64_t *ret_lo, uint64_t *ret_hi)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	size_t i;

	for (i = 0; i < m->count; i++) {
		const struct sym_mapping *mp = &m->v[i];

		if (mp->perms[2] != 'x' || strcmp(mp->path, exe))
			continue;
		lo = mp->start < lo ? mp->start : lo;
		hi = mp->end > hi ? mp->end : hi;
	}
	if (!hi)
		return -ENOENT;
	*ret_lo = lo;
	*ret_hi = hi;
	return 0;
}

/* The highest page-aligned start for @size bytes in [a0, a1), 0 if they do not fit. */
static uint64_t top_fit(uint64_t a0, uint64_t a1, uint64_t size)
{
	uint64_t at;

	if (a1 <= a0 || a1 - a0 < size)
		return 0;
	at = (a1 - size) & ~(PAGE - 1);
	return at >= a0 ? at : 0;
}

int inj_place_near(const struct sym_maps *m, uint64_t lo, uint64_t hi, uint64_t size,
		   uint64_t *ret_addr)
{
	uint64_t wlo = hi > INJ_REACH ? hi - INJ_REACH : 0, whi = lo + INJ_REACH;
	uint64_t prev_end = ADDR_FLOOR, below = 0, above = 0;
	size_t i;

	if (wlo < ADDR_FLOOR)
		wlo = ADDR_FLOOR;
	if (whi > ADDR_CEIL)
		whi = ADDR_CEIL;
	for (i = 0; i <= m->count; i++) {
		uint64_t start =
			i < m->count && m->v[i].start < ADDR_CEIL ? m->v[i].start : ADDR_CEIL;
		uint64_t a0 = prev_end + PAGE, a1 = start - PAGE, at = 0;

		a0 = a0 > wlo ? a0 : wlo;
		a1 = a1 < whi ? a1 : whi;
		if (start >= prev_end + 2 * PAGE)
			at = top_fit(a0, a1, size);
		if (at && at + size <= lo)
			below = at > below ? at : below;
		else if (at && at >= hi)
			above = at > above ? at : above;
		if (i < m->count && m->v[i].end > prev_end)
			prev_end = m->v[i].end;
		if (prev_end >= ADDR_CEIL)
			break;
	}
	if (!below && !above)
		return -ENOSPC;
	*ret_addr = below ? below : above;
	return 0;
}
