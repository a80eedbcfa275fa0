/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * autoprint: at the end of a session stap prints every global that the script wrote but never
 * read (elaborate.cxx add_global_var_display), in declaration order:
 *	x=0x5                a long, in hex ("=%#x")
 *	s="text"             a string, escaped
 *	st @count=3 @min=1 @max=5 @sum=9 @avg=3   (decimal, as stap >= 1.4 prints them)
 *	a[1,"k"]=0x7         an array, one line per entry, sorted on the value, largest first
 *	st[1] @count=...     an aggregate array, sorted on @count
 * The host calls this after the end probes, outside any hit, so it may use the whole scratch
 * area.
 */
#include "vm/cstring.h"
#include "vm/vm.h"

static void print_stats(struct rt_out *o, const struct rt_stat *s, int shift)
{
	static const struct {
		char name[9]; /* not a pointer: the agent's blob has no relocations */
		enum rt_stat_op op;
	} ops[] = {
		{" @count=", RT_STAT_COUNT}, {" @min=", RT_STAT_MIN}, {" @max=", RT_STAT_MAX},
		{" @sum=", RT_STAT_SUM},     {" @avg=", RT_STAT_AVG},
	};

	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		int64_t v = 0;

		rt_stat_get(s, ops[i].op, shift, &v);
		rt_out_str(o, ops[i].name);
		rt_out_long(o, v);
	}
}

static void print_value(struct rt_out *o, const struct vm_global *g, const void *p)
{
	if (g->type == VM_T_STAT) {
		print_stats(o, p, g->shift);
	} else if (g->type == VM_T_STR) {
		rt_out_str(o, "=\"");
		rt_escape(o, p, strlen(p));
		rt_out_putc(o, '"');
	} else {
		char hex[24];
		int64_t v;

		memcpy(&v, p, 8);
		rt_out_putc(o, '=');
		rt_out_append(o, hex, rt_hex(hex, (uint64_t)v, 0));
	}
	rt_out_putc(o, '\n');
}

static void flush(struct vm *vm, struct rt_out *o)
{
	if (o->len)
		vm->host->output(vm->host_data, o->buf, o->len);
	o->len = 0;
}

void vm_autoprint(struct vm *vm)
{
	const struct vm_program *prog = vm->prog;
	char buf[8192];
	struct rt_out o = {buf, 0, sizeof(buf), 0};

	vm->scratch_used = 0;
	for (uint32_t gi = 0; gi < prog->nglobals; gi++) {
		const struct vm_global *g = &prog->globals[gi];
		struct rt_map *m;
		uint32_t *slots;
		int64_t n;

		if (!g->autoprint)
			continue;
		if (!g->nkeys) {
			rt_out_str(&o, g->name);
			print_value(&o, g, vm_global_ptr(vm, gi));
			flush(vm, &o);
			continue;
		}
		m = vm_global_ptr(vm, gi);
		n = vm_map_sorted(vm, gi, -1, &slots);
		for (int64_t i = 0; i < n; i++) {
			struct rt_map_entry *e = rt_map_slot(m, &g->layout, slots[i]);

			rt_out_str(&o, g->name);
			rt_out_putc(&o, '[');
			for (unsigned k = 0; k < g->nkeys; k++) {
				vm_val key = rt_map_key(e, &g->layout, k);

				if (k)
					rt_out_putc(&o, ',');
				if (g->key_types[k] == VM_T_STR) {
					rt_out_putc(&o, '"');
					rt_escape(&o, key.s, strlen(key.s));
					rt_out_putc(&o, '"');
				} else {
					rt_out_long(&o, key.l);
				}
			}
			rt_out_putc(&o, ']');
			print_value(&o, g, rt_map_val(e, &g->layout));
			flush(vm, &o);
		}
	}
}
