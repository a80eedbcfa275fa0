/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fmt_io: descriptor calls with structured arguments.  ioctl names the common terminal and file
 * requests and spells any other as _IOC(dir, type, nr, size); it decodes struct winsize and the
 * int-sized arguments, and prints other arguments as a number, as strace does for requests it
 * does not know.  readv/writev show their iovec arrays with the data (for readv, only the bytes
 * the call returned, spread over the vectors in order).  getdents64 counts the records it got.
 * statx shows the abbreviated struct statx.  Outputs are read only after success.
 */
#include <inttypes.h>

#include "fmt_priv.h"

static const struct fmt_xlat ioctls[] = {
	XLAT_PAIR(0x5401, "TCGETS"),	     XLAT_PAIR(0x5402, "TCSETS"),
	XLAT_PAIR(0x5403, "TCSETSW"),	     XLAT_PAIR(0x5404, "TCSETSF"),
	XLAT_PAIR(0x5409, "TCSBRK"),	     XLAT_PAIR(0x540A, "TCXONC"),
	XLAT_PAIR(0x540B, "TCFLSH"),	     XLAT_PAIR(0x540E, "TIOCSCTTY"),
	XLAT_PAIR(0x540F, "TIOCGPGRP"),	     XLAT_PAIR(0x5410, "TIOCSPGRP"),
	XLAT_PAIR(0x5413, "TIOCGWINSZ"),     XLAT_PAIR(0x5414, "TIOCSWINSZ"),
	XLAT_PAIR(0x541B, "FIONREAD"),	     XLAT_PAIR(0x5421, "FIONBIO"),
	XLAT_PAIR(0x5422, "TIOCNOTTY"),	     XLAT_PAIR(0x5429, "TIOCGSID"),
	XLAT_PAIR(0x5450, "FIONCLEX"),	     XLAT_PAIR(0x5451, "FIOCLEX"),
	XLAT_PAIR(0x5452, "FIOASYNC"),	     XLAT_PAIR(0x80045430, "TIOCGPTN"),
	XLAT_PAIR(0x40045431, "TIOCSPTLCK"), XLAT_END,
};

static const char *const ioc_dirs[] = {"_IOC_NONE", "_IOC_WRITE", "_IOC_READ",
				       "_IOC_READ|_IOC_WRITE"};

static void print_request(struct strbuf *out, uint32_t req)
{
	const char *name = fmt_xlookup(ioctls, req);

	if (name)
		sb_printf(out, "%s", name);
	else
		sb_printf(out, "_IOC(%s, %#x, %#x, %#x)", ioc_dirs[req >> 30], (req >> 8) & 0xff,
			  req & 0xff, (req >> 16) & 0x3fff);
}

static void print_int_at(struct fmt_call *c, uint64_t addr)
{
	int v;

	if (fmt_fetch(c, addr, &v, sizeof(v)))
		sb_printf(c->out, "[%d]", v);
}

bool fmt_sys_ioctl(struct fmt_call *c)
{
	uint32_t req = (uint32_t)c->args[1];
	uint64_t arg = c->args[2];
	uint16_t ws[4];

	if (!c->exiting) {
		sb_printf(c->out, "%d, ", (int)c->args[0]);
		print_request(c->out, req);
		sb_printf(c->out, ", ");
		switch (req) {
		case 0x5401:	 /* TCGETS */
		case 0x5413:	 /* TIOCGWINSZ */
		case 0x541B:	 /* FIONREAD */
		case 0x540F:	 /* TIOCGPGRP */
		case 0x5429:	 /* TIOCGSID */
		case 0x80045430: /* TIOCGPTN */
			return true;
		case 0x5421:	 /* FIONBIO */
		case 0x5452:	 /* FIOASYNC */
		case 0x5410:	 /* TIOCSPGRP */
		case 0x40045431: /* TIOCSPTLCK */
			print_int_at(c, arg);
			break;
		case 0x5414: /* TIOCSWINSZ */
			if (fmt_fetch(c, arg, ws, sizeof(ws)))
				sb_printf(c->out,
					  "{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}",
					  ws[0], ws[1], ws[2], ws[3]);
			break;
		case 0x5450: /* FIONCLEX */
		case 0x5451: /* FIOCLEX */
		case 0x5422: /* TIOCNOTTY */
			c->out->len -= 2;
			c->out->buf[c->out->len] = '\0';
			break;
		default:
			sb_printf(c->out, "%#" PRIx64, arg);
		}
		return false;
	}
	switch (req) {
	case 0x5413: /* TIOCGWINSZ */
		if (fmt_fetch(c, arg, ws, sizeof(ws)))
			sb_printf(c->out, "{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}",
				  ws[0], ws[1], ws[2], ws[3]);
		break;
	case 0x5401: /* TCGETS */
		fmt_print_termios(c, arg);
		break;
	case 0x541B:	 /* FIONREAD */
	case 0x540F:	 /* TIOCGPGRP */
	case 0x5429:	 /* TIOCGSID */
	case 0x80045430: /* TIOCGPTN */
		print_int_at(c, arg);
	}
	return false;
}

struct k_iovec {
	uint64_t base;
	uint64_t len;
};

/* [{iov_base="hello ", iov_len=6}, ...]; data is how many bytes of content to show in total. */
static void print_iov(struct fmt_call *c, uint64_t addr, uint64_t n, bool show, uint64_t data)
{
	size_t limit =
		c->ctx->string_limit < 0 ? FMT_STRING_LIMIT_DEFAULT : (size_t)c->ctx->string_limit;
	struct k_iovec v;

	if (!fmt_fetch(c, addr, &v, sizeof(v)) && n)
		return;
	sb_putc(c->out, '[');
	for (uint64_t i = 0; i < n; i++, addr += sizeof(v)) {
		if (i)
			sb_printf(c->out, ", ");
		if (i >= limit) {
			sb_printf(c->out, "...");
			break;
		}
		if (i && fmt_read_all(c->ctx, addr, &v, sizeof(v))) {
			sb_printf(c->out, "... /* %#" PRIx64 " */", addr);
			break;
		}
		sb_printf(c->out, "{iov_base=");
		if (show) {
			uint64_t k = v.len < data ? v.len : data;

			fmt_print_str(c, v.base, (int64_t)k);
			data -= k;
		} else {
			fmt_print_addr(c->out, v.base);
		}
		sb_printf(c->out, ", iov_len=%" PRIu64 "}", v.len);
	}
	sb_putc(c->out, ']');
}

bool fmt_sys_writev(struct fmt_call *c)
{
	if (c->exiting)
		return false;
	sb_printf(c->out, "%d, ", (int)c->args[0]);
	print_iov(c, c->args[1], c->args[2], true, UINT64_MAX);
	sb_printf(c->out, ", %" PRIu64, c->args[2]);
	return false;
}

bool fmt_sys_readv(struct fmt_call *c)
{
	if (!c->exiting) {
		sb_printf(c->out, "%d, ", (int)c->args[0]);
		return true;
	}
	c->exiting = false; /* the vector itself is readable even after a failure */
	print_iov(c, c->args[1], c->args[2], !c->failed, c->failed ? 0 : (uint64_t)c->ret);
	c->exiting = true;
	sb_printf(c->out, ", %" PRIu64, c->args[2]);
	return false;
}

bool fmt_sys_getdents64(struct fmt_call *c)
{
	unsigned int count = 0;

	if (!c->exiting) {
		sb_printf(c->out, "%d, ", (int)c->args[0]);
		return true;
	}
	fmt_print_addr(c->out, c->args[1]);
	if (!c->failed) {
		for (int64_t off = 0; off + 19 <= c->ret; count++) {
			uint16_t reclen;

			if (fmt_read_all(c->ctx, c->args[1] + (uint64_t)off + 16, &reclen,
					 sizeof(reclen)) ||
			    !reclen)
				break;
			off += reclen;
		}
		sb_printf(c->out, " /* %u entries */", count);
	}
	sb_printf(c->out, ", %u", (unsigned int)c->args[2]);
	return false;
}

static const struct fmt_xlat statx_masks[] = {
	XLAT_PAIR(0xfff, "STATX_ALL"),
	XLAT_PAIR(0x7ff, "STATX_BASIC_STATS"),
	XLAT_PAIR(0x1, "STATX_TYPE"),
	XLAT_PAIR(0x2, "STATX_MODE"),
	XLAT_PAIR(0x4, "STATX_NLINK"),
	XLAT_PAIR(0x8, "STATX_UID"),
	XLAT_PAIR(0x10, "STATX_GID"),
	XLAT_PAIR(0x20, "STATX_ATIME"),
	XLAT_PAIR(0x40, "STATX_MTIME"),
	XLAT_PAIR(0x80, "STATX_CTIME"),
	XLAT_PAIR(0x100, "STATX_INO"),
	XLAT_PAIR(0x200, "STATX_SIZE"),
	XLAT_PAIR(0x400, "STATX_BLOCKS"),
	XLAT_PAIR(0x800, "STATX_BTIME"),
	XLAT_PAIR(0x1000, "STATX_MNT_ID"),
	XLAT_PAIR(0x2000, "STATX_DIOALIGN"),
	XLAT_END,
};

static const struct fmt_xlat statx_attrs[] = {
	XLAT_PAIR(0x4, "STATX_ATTR_COMPRESSED"),    XLAT_PAIR(0x10, "STATX_ATTR_IMMUTABLE"),
	XLAT_PAIR(0x20, "STATX_ATTR_APPEND"),	    XLAT_PAIR(0x40, "STATX_ATTR_NODUMP"),
	XLAT_PAIR(0x800, "STATX_ATTR_ENCRYPTED"),   XLAT_PAIR(0x1000, "STATX_ATTR_AUTOMOUNT"),
	XLAT_PAIR(0x2000, "STATX_ATTR_MOUNT_ROOT"), XLAT_PAIR(0x100000, "STATX_ATTR_VERITY"),
	XLAT_PAIR(0x200000, "STATX_ATTR_DAX"),	    XLAT_END,
};

static const struct fmt_xlat statx_syncs[] = {
	XLAT_PAIR(0x0000, "AT_STATX_SYNC_AS_STAT"),
	XLAT_PAIR(0x2000, "AT_STATX_FORCE_SYNC"),
	XLAT_PAIR(0x4000, "AT_STATX_DONT_SYNC"),
	XLAT_END,
};

/* The head of struct statx, up to stx_size. */
struct k_statx {
	uint32_t mask;
	uint32_t blksize;
	uint64_t attributes;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint16_t mode;
	uint16_t pad;
	uint64_t ino;
	uint64_t size;
};

bool fmt_sys_statx(struct fmt_call *c)
{
	uint32_t flags = (uint32_t)c->args[2];
	struct k_statx sx;

	if (!c->exiting) {
		fmt_print_dirfd(c->out, c->args[0]);
		sb_printf(c->out, ", ");
		fmt_print_path(c, c->args[1]);
		sb_printf(c->out, ", ");
		fmt_print_xval(c->out, statx_syncs, flags & 0x6000, "AT_STATX_???");
		if (flags & ~0x6000u) {
			sb_putc(c->out, '|');
			fmt_print_flags(c->out, fmt_at_flags, flags & ~0x6000u, "AT_???");
		}
		sb_printf(c->out, ", ");
		fmt_print_flags(c->out, statx_masks, (uint32_t)c->args[3], "STATX_???");
		sb_printf(c->out, ", ");
		return true;
	}
	if (!fmt_fetch(c, c->args[4], &sx, sizeof(sx)))
		return false;
	sb_printf(c->out, "{stx_mask=");
	fmt_print_flags(c->out, statx_masks, sx.mask, "STATX_???");
	sb_printf(c->out, ", stx_attributes=");
	fmt_print_flags(c->out, statx_attrs, sx.attributes, "STATX_ATTR_???");
	sb_printf(c->out, ", stx_mode=");
	fmt_print_mode(c->out, sx.mode);
	sb_printf(c->out, ", stx_size=%" PRIu64 ", ...}", sx.size);
	return false;
}
