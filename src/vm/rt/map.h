/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VM_RT_MAP_H
#define VM_RT_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/rt/value.h"

#define RT_MAP_MAX_KEYS 9

/*
 * The shape of an associative array, computed once from its declaration: where each key and
 * the value sit in an entry, how big an entry and the table are.  Entries are fixed-size: a
 * long takes 8 bytes, a string maxstr bytes (NUL included), a statistic rt_stat_size().
 */
struct rt_map_layout {
	unsigned nkeys;
	uint8_t key_types[RT_MAP_MAX_KEYS]; /* VM_T_LONG, VM_T_STR */
	uint8_t val_type;		    /* VM_T_LONG, VM_T_STR, VM_T_STAT */
	uint32_t key_off[RT_MAP_MAX_KEYS];
	uint32_t val_off;
	uint32_t entry_size;
	uint32_t maxstr;
	uint32_t max_entries; /* MAXMAPENTRIES or the declared size */
	uint32_t cap;	      /* slots, a power of two, at least twice max_entries */
	bool wrap;	      /* '%': a full map evicts its oldest entry */
};

/* The header of a map in the region; cap entries follow. */
struct rt_map {
	uint32_t count;
	uint32_t pad;
	uint64_t next_seq;
};

/* Each entry starts with this header. */
struct rt_map_entry {
	uint32_t used;
	uint32_t hash;
	uint64_t seq; /* insertion order, for unsorted foreach and for '%' eviction */
};

/* Fills the offsets and sizes of l; val_size is the value's byte size. */
void rt_map_layout_init(struct rt_map_layout *l, unsigned nkeys, const uint8_t *key_types,
			uint8_t val_type, uint32_t val_size, uint32_t maxstr, uint32_t max_entries,
			bool wrap);
/* Bytes of a map with layout l, header included. */
size_t rt_map_bytes(const struct rt_map_layout *l);
void rt_map_clear(struct rt_map *m, const struct rt_map_layout *l);

static inline struct rt_map_entry *rt_map_slot(struct rt_map *m, const struct rt_map_layout *l,
					       uint32_t i)
{
	return (struct rt_map_entry *)((unsigned char *)(m + 1) + (size_t)i * l->entry_size);
}

static inline void *rt_map_val(struct rt_map_entry *e, const struct rt_map_layout *l)
{
	return (unsigned char *)e + l->val_off;
}

/* Key k of entry e as a value (strings point into the entry). */
vm_val rt_map_key(struct rt_map_entry *e, const struct rt_map_layout *l, unsigned k);

/* The slot holding keys, or -1. */
int64_t rt_map_find(struct rt_map *m, const struct rt_map_layout *l, const vm_val *keys);
/*
 * The slot holding keys, inserted (value zeroed) when absent.  Returns -E2BIG when the map is
 * full (and does not wrap).
 */
int64_t rt_map_insert(struct rt_map *m, const struct rt_map_layout *l, const vm_val *keys);
void rt_map_delete(struct rt_map *m, const struct rt_map_layout *l, uint32_t slot);
/* Whether entry e matches keys where mask bit i clear (bit set: a wildcard). */
bool rt_map_match(struct rt_map_entry *e, const struct rt_map_layout *l, const vm_val *keys,
		  uint32_t mask);

#endif
