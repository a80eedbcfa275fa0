/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_termios: the kernel's struct termios from TCGETS in strace's abbreviated form: the four
 * flag words with their multi-bit fields first (the output delays as NL0|CR0|..., the baud rate
 * and character size), then the single-bit flags, and "..." for c_line and c_cc.  Octal values
 * are the x86-64 <asm-generic/termbits.h> ones.  Unreadable memory prints as the address.
 */
#include <inttypes.h>

#include "fmt_priv.h"

static const struct fmt_xlat iflags[] = {
	XLAT_PAIR(01, "IGNBRK"),    XLAT_PAIR(02, "BRKINT"),
	XLAT_PAIR(04, "IGNPAR"),    XLAT_PAIR(010, "PARMRK"),
	XLAT_PAIR(020, "INPCK"),    XLAT_PAIR(040, "ISTRIP"),
	XLAT_PAIR(0100, "INLCR"),   XLAT_PAIR(0200, "IGNCR"),
	XLAT_PAIR(0400, "ICRNL"),   XLAT_PAIR(01000, "IUCLC"),
	XLAT_PAIR(02000, "IXON"),   XLAT_PAIR(04000, "IXANY"),
	XLAT_PAIR(010000, "IXOFF"), XLAT_PAIR(020000, "IMAXBEL"),
	XLAT_PAIR(040000, "IUTF8"), XLAT_END,
};

static const struct fmt_xlat oflags[] = {
	XLAT_PAIR(01, "OPOST"),	  XLAT_PAIR(02, "OLCUC"),   XLAT_PAIR(04, "ONLCR"),
	XLAT_PAIR(010, "OCRNL"),  XLAT_PAIR(020, "ONOCR"),  XLAT_PAIR(040, "ONLRET"),
	XLAT_PAIR(0100, "OFILL"), XLAT_PAIR(0200, "OFDEL"), XLAT_END,
};

static const struct fmt_xlat cflags[] = {
	XLAT_PAIR(0100, "CSTOPB"),
	XLAT_PAIR(0200, "CREAD"),
	XLAT_PAIR(0400, "PARENB"),
	XLAT_PAIR(01000, "PARODD"),
	XLAT_PAIR(02000, "HUPCL"),
	XLAT_PAIR(04000, "CLOCAL"),
	XLAT_PAIR(010000000000, "CMSPAR"),
	XLAT_PAIR(020000000000, "CRTSCTS"),
	XLAT_END,
};

/* strace's order, which is not the bits' order. */
static const struct fmt_xlat lflags[] = {
	XLAT_PAIR(01, "ISIG"),
	XLAT_PAIR(02, "ICANON"),
	XLAT_PAIR(04, "XCASE"),
	XLAT_PAIR(010, "ECHO"),
	XLAT_PAIR(020, "ECHOE"),
	XLAT_PAIR(040, "ECHOK"),
	XLAT_PAIR(0100, "ECHONL"),
	XLAT_PAIR(0200, "NOFLSH"),
	XLAT_PAIR(0100000, "IEXTEN"),
	XLAT_PAIR(01000, "ECHOCTL"),
	XLAT_PAIR(02000, "ECHOPRT"),
	XLAT_PAIR(04000, "ECHOKE"),
	XLAT_PAIR(010000, "FLUSHO"),
	XLAT_PAIR(040000, "PENDIN"),
	XLAT_PAIR(0400, "TOSTOP"),
	XLAT_PAIR(0200000, "EXTPROC"),
	XLAT_END,
};

static const char *const bauds[] = {"B0",    "B50",   "B75",	"B110",	 "B134",  "B150",
				    "B200",  "B300",  "B600",	"B1200", "B1800", "B2400",
				    "B4800", "B9600", "B19200", "B38400"};

static const char *const delay_names[][4] = {
	{"NL0", "NL1"},
	{"CR0", "CR1", "CR2", "CR3"},
	{"TAB0", "TAB1", "TAB2", "TAB3"},
	{"BS0", "BS1"},
	{"VT0", "VT1"},
	{"FF0", "FF1"},
};
static const uint32_t delay_masks[] = {0400, 03000, 014000, 020000, 040000, 0100000};

/* Flags after a field prefix: "|NAME|..." or nothing. */
static void print_rest(struct strbuf *out, const struct fmt_xlat *tab, uint32_t val)
{
	if (!val)
		return;
	sb_putc(out, '|');
	fmt_print_flags(out, tab, val, NULL);
}

void fmt_print_termios(struct fmt_call *c, uint64_t addr)
{
	uint32_t t[4];
	uint32_t o, cf;

	if (!fmt_fetch(c, addr, t, sizeof(t)))
		return;
	sb_printf(c->out, "{c_iflag=");
	fmt_print_flags(c->out, iflags, t[0], NULL);
	sb_printf(c->out, ", c_oflag=");
	o = t[1];
	for (size_t i = 0; i < FMT_ARRAY_SIZE(delay_masks); i++) {
		uint32_t m = delay_masks[i];

		sb_printf(c->out, "%s%s", i ? "|" : "", delay_names[i][(o & m) / (m & -m)]);
		o &= ~m;
	}
	print_rest(c->out, oflags, o);
	sb_printf(c->out, ", c_cflag=");
	cf = t[2];
	if ((cf & 010017) < 16)
		sb_printf(c->out, "%s", bauds[cf & 017]);
	else
		sb_printf(c->out, "%#o", cf & 010017);
	sb_printf(c->out, "|CS%u", 5 + ((cf & 060) >> 4));
	print_rest(c->out, cflags, cf & ~(uint32_t)(010017 | 060));
	sb_printf(c->out, ", c_lflag=");
	fmt_print_flags(c->out, lflags, t[3], NULL);
	sb_printf(c->out, ", ...}");
}
