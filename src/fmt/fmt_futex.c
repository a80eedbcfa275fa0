/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_futex: futex(2) as strace prints it.  The operation is its command name with _PRIVATE and
 * |FUTEX_CLOCK_REALTIME when those bits are set, and decides which of the other five arguments
 * exist: FUTEX_WAIT has a value and a relative timeout, FUTEX_WAKE only a count, the requeues a
 * second count and address, FUTEX_WAKE_OP an encoded operation spelled out field by field.
 * Unknown operations print every argument.  The whole line is printed at entry.
 */
#include <inttypes.h>

#include "fmt_priv.h"

enum {
	FUTEX_WAIT,
	FUTEX_WAKE,
	FUTEX_FD,
	FUTEX_REQUEUE,
	FUTEX_CMP_REQUEUE,
	FUTEX_WAKE_OP,
	FUTEX_LOCK_PI,
	FUTEX_UNLOCK_PI,
	FUTEX_TRYLOCK_PI,
	FUTEX_WAIT_BITSET,
	FUTEX_WAKE_BITSET,
	FUTEX_WAIT_REQUEUE_PI,
	FUTEX_CMP_REQUEUE_PI,
	FUTEX_LOCK_PI2,
};

#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_OP_OPARG_SHIFT 8

static const struct fmt_xlat futex_cmds[] = {
	XLAT(FUTEX_WAIT),	    XLAT(FUTEX_WAKE),	     XLAT(FUTEX_FD),
	XLAT(FUTEX_REQUEUE),	    XLAT(FUTEX_CMP_REQUEUE), XLAT(FUTEX_WAKE_OP),
	XLAT(FUTEX_LOCK_PI),	    XLAT(FUTEX_UNLOCK_PI),   XLAT(FUTEX_TRYLOCK_PI),
	XLAT(FUTEX_WAIT_BITSET),    XLAT(FUTEX_WAKE_BITSET), XLAT(FUTEX_WAIT_REQUEUE_PI),
	XLAT(FUTEX_CMP_REQUEUE_PI), XLAT(FUTEX_LOCK_PI2),    XLAT_END,
};

static const struct fmt_xlat wake_ops[] = {
	XLAT_PAIR(0, "FUTEX_OP_SET"),  XLAT_PAIR(1, "FUTEX_OP_ADD"), XLAT_PAIR(2, "FUTEX_OP_OR"),
	XLAT_PAIR(3, "FUTEX_OP_ANDN"), XLAT_PAIR(4, "FUTEX_OP_XOR"), XLAT_END,
};

static const struct fmt_xlat wake_cmps[] = {
	XLAT_PAIR(0, "FUTEX_OP_CMP_EQ"),
	XLAT_PAIR(1, "FUTEX_OP_CMP_NE"),
	XLAT_PAIR(2, "FUTEX_OP_CMP_LT"),
	XLAT_PAIR(3, "FUTEX_OP_CMP_LE"),
	XLAT_PAIR(4, "FUTEX_OP_CMP_GT"),
	XLAT_PAIR(5, "FUTEX_OP_CMP_GE"),
	XLAT_END,
};

static void print_op(struct strbuf *out, uint32_t op)
{
	const char *name = fmt_xlookup(futex_cmds, op & 127);

	if (!name || op & ~(uint32_t)(127 | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)) {
		sb_printf(out, "%#x /* FUTEX_??? */", op);
		return;
	}
	sb_printf(out, "%s%s%s", name, op & FUTEX_PRIVATE_FLAG ? "_PRIVATE" : "",
		  op & FUTEX_CLOCK_REALTIME ? "|FUTEX_CLOCK_REALTIME" : "");
}

static void print_bitset(struct strbuf *out, uint32_t val3)
{
	if (val3 == 0xffffffff)
		sb_printf(out, ", FUTEX_BITSET_MATCH_ANY");
	else
		sb_printf(out, ", %#x", val3);
}

/* FUTEX_OP_SET<<28|0<<12|FUTEX_OP_CMP_GT<<24|0x1 */
static void print_wake_op(struct strbuf *out, uint32_t val3)
{
	uint32_t op = val3 >> 28;

	sb_printf(out, ", ");
	if (op & FUTEX_OP_OPARG_SHIFT)
		sb_printf(out, "FUTEX_OP_OPARG_SHIFT<<28|");
	fmt_print_xval(out, wake_ops, op & ~(uint32_t)FUTEX_OP_OPARG_SHIFT, "FUTEX_OP_???");
	sb_printf(out, "<<28|%#x<<12|", (val3 >> 12) & 0xfff);
	fmt_print_xval(out, wake_cmps, (val3 >> 24) & 0xf, "FUTEX_OP_CMP_???");
	sb_printf(out, "<<24|%#x", val3 & 0xfff);
}

bool fmt_sys_futex(struct fmt_call *c)
{
	struct strbuf *out = c->out;
	uint32_t op = (uint32_t)c->args[1];
	uint32_t val = (uint32_t)c->args[2], val2 = (uint32_t)c->args[3];
	uint32_t val3 = (uint32_t)c->args[5];
	uint64_t timeout = c->args[3], uaddr2 = c->args[4];

	if (c->exiting)
		return false;
	fmt_print_addr(out, c->args[0]);
	sb_printf(out, ", ");
	print_op(out, op);
	if (!fmt_xlookup(futex_cmds, op & 127))
		op = 127;
	switch (op & 127) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_WAIT_REQUEUE_PI:
		sb_printf(out, ", %u, ", val);
		fmt_print_timespec(c, timeout);
		if ((op & 127) == FUTEX_WAIT_BITSET)
			print_bitset(out, val3);
		if ((op & 127) == FUTEX_WAIT_REQUEUE_PI) {
			sb_printf(out, ", ");
			fmt_print_addr(out, uaddr2);
		}
		break;
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		sb_printf(out, ", ");
		fmt_print_timespec(c, timeout);
		break;
	case FUTEX_WAKE_BITSET:
		sb_printf(out, ", %u", val);
		print_bitset(out, val3);
		break;
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	case FUTEX_CMP_REQUEUE_PI:
	case FUTEX_WAKE_OP:
		sb_printf(out, ", %u, %u, ", val, val2);
		fmt_print_addr(out, uaddr2);
		if ((op & 127) == FUTEX_WAKE_OP)
			print_wake_op(out, val3);
		else if ((op & 127) != FUTEX_REQUEUE)
			sb_printf(out, ", %u", val3);
		break;
	case FUTEX_WAKE:
	case FUTEX_FD:
		sb_printf(out, ", %u", val);
		break;
	case FUTEX_UNLOCK_PI:
	case FUTEX_TRYLOCK_PI:
		break;
	default:
		sb_printf(out, ", %u, ", val);
		fmt_print_addr(out, timeout);
		sb_printf(out, ", ");
		fmt_print_addr(out, uaddr2);
		sb_printf(out, ", %#x", val3);
	}
	return false;
}
