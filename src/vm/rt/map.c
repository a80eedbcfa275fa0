/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * map: stap's associative arrays, in a fixed-size open-addressing table carved from the VM's
 * region (no allocation).  A table has at least twice as many slots as the array may hold
 * entries (MAXMAPENTRIES or the declared size), so linear probing stays short; deletion shifts
 * the following entries back (no tombstones), so a lookup stops at the first empty slot.  Keys
 * (up to 9 longs or strings) and the value are stored inline in the entry, strings truncated
 * to MAXSTRINGLEN.  Each entry carries an insertion sequence number: unsorted foreach walks
 * entries in insertion order, as stap's map lists do, and a wrapping ('%') array evicts the
 * oldest entry when full.  Inserting into a full non-wrapping array fails with -E2BIG, which
 * the VM reports as stap's "Array overflow".
 */
#include <errno.h>

#include "vm/cstring.h"
#include "vm/rt/map.h"

void rt_map_layout_init(struct rt_map_layout *l, unsigned nkeys, const uint8_t *key_types,
			uint8_t val_type, uint32_t val_size, uint32_t maxstr, uint32_t max_entries,
			bool wrap)
{
	uint32_t off = sizeof(struct rt_map_entry);

	memset(l, 0, sizeof(*l));
	l->nkeys = nkeys;
	l->maxstr = maxstr;
	for (unsigned i = 0; i < nkeys; i++) {
		l->key_types[i] = key_types[i];
		l->key_off[i] = off;
		off += key_types[i] == VM_T_STR ? maxstr : 8;
	}
	off = (off + 7u) & ~7u;
	l->val_type = val_type;
	l->val_off = off;
	off += (val_size + 7u) & ~7u;
	l->entry_size = off;
	l->max_entries = max_entries ? max_entries : 1;
	l->cap = 8;
	while (l->cap < 2 * l->max_entries)
		l->cap *= 2;
	l->wrap = wrap;
}

size_t rt_map_bytes(const struct rt_map_layout *l)
{
	return sizeof(struct rt_map) + (size_t)l->cap * l->entry_size;
}

void rt_map_clear(struct rt_map *m, const struct rt_map_layout *l)
{
	if (m->count)
		for (uint32_t i = 0; i < l->cap; i++)
			rt_map_slot(m, l, i)->used = 0;
	m->count = 0;
}

static uint32_t hash_keys(const struct rt_map_layout *l, const vm_val *keys)
{
	uint64_t h = 1469598103934665603ull;

	for (unsigned i = 0; i < l->nkeys; i++) {
		if (l->key_types[i] == VM_T_STR) {
			for (const unsigned char *s = (const unsigned char *)keys[i].s;
			     *s && s < (const unsigned char *)keys[i].s + l->maxstr - 1; s++)
				h = (h ^ *s) * 1099511628211ull;
		} else {
			uint64_t v = (uint64_t)keys[i].l;

			for (int b = 0; b < 8; b++, v >>= 8)
				h = (h ^ (v & 0xff)) * 1099511628211ull;
		}
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

vm_val rt_map_key(struct rt_map_entry *e, const struct rt_map_layout *l, unsigned k)
{
	vm_val v;
	unsigned char *p = (unsigned char *)e + l->key_off[k];

	if (l->key_types[k] == VM_T_STR)
		v.s = (const char *)p;
	else
		memcpy(&v.l, p, sizeof(v.l));
	return v;
}

static bool key_eq(struct rt_map_entry *e, const struct rt_map_layout *l, unsigned k, vm_val v)
{
	vm_val have = rt_map_key(e, l, k);

	if (l->key_types[k] == VM_T_STR)
		return !strncmp(have.s, v.s, l->maxstr - 1);
	return have.l == v.l;
}

bool rt_map_match(struct rt_map_entry *e, const struct rt_map_layout *l, const vm_val *keys,
		  uint32_t mask)
{
	for (unsigned i = 0; i < l->nkeys; i++)
		if (!(mask & (1u << i)) && !key_eq(e, l, i, keys[i]))
			return false;
	return true;
}

int64_t rt_map_find(struct rt_map *m, const struct rt_map_layout *l, const vm_val *keys)
{
	uint32_t h = hash_keys(l, keys);

	for (uint32_t i = h & (l->cap - 1);; i = (i + 1) & (l->cap - 1)) {
		struct rt_map_entry *e = rt_map_slot(m, l, i);

		if (!e->used)
			return -1;
		if (e->hash == h && rt_map_match(e, l, keys, 0))
			return i;
	}
}

static void evict_oldest(struct rt_map *m, const struct rt_map_layout *l)
{
	uint32_t best = 0;
	uint64_t seq = UINT64_MAX;

	for (uint32_t i = 0; i < l->cap; i++) {
		struct rt_map_entry *e = rt_map_slot(m, l, i);

		if (e->used && e->seq < seq) {
			seq = e->seq;
			best = i;
		}
	}
	rt_map_delete(m, l, best);
}

int64_t rt_map_insert(struct rt_map *m, const struct rt_map_layout *l, const vm_val *keys)
{
	int64_t found = rt_map_find(m, l, keys);
	uint32_t h;
	struct rt_map_entry *e;
	uint32_t i;

	if (found >= 0)
		return found;
	if (m->count >= l->max_entries) {
		if (!l->wrap)
			return -E2BIG;
		evict_oldest(m, l);
	}
	h = hash_keys(l, keys);
	for (i = h & (l->cap - 1); rt_map_slot(m, l, i)->used; i = (i + 1) & (l->cap - 1))
		;
	e = rt_map_slot(m, l, i);
	memset(e, 0, l->entry_size);
	e->used = 1;
	e->hash = h;
	e->seq = m->next_seq++;
	for (unsigned k = 0; k < l->nkeys; k++) {
		unsigned char *p = (unsigned char *)e + l->key_off[k];

		if (l->key_types[k] == VM_T_STR) {
			size_t n = strnlen(keys[k].s, l->maxstr - 1);

			memcpy(p, keys[k].s, n);
			p[n] = '\0';
		} else {
			memcpy(p, &keys[k].l, sizeof(int64_t));
		}
	}
	m->count++;
	return i;
}

void rt_map_delete(struct rt_map *m, const struct rt_map_layout *l, uint32_t slot)
{
	uint32_t mask = l->cap - 1, hole = slot;

	rt_map_slot(m, l, hole)->used = 0;
	m->count--;
	/* Backward shift: move later entries of the cluster into the hole when allowed. */
	for (uint32_t i = (hole + 1) & mask;; i = (i + 1) & mask) {
		struct rt_map_entry *e = rt_map_slot(m, l, i);
		uint32_t home;

		if (!e->used)
			return;
		home = e->hash & mask;
		/* e may move to hole if home is not cyclically in (hole, i]. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			memcpy(rt_map_slot(m, l, hole), e, l->entry_size);
			e->used = 0;
			hole = i;
		}
	}
}
