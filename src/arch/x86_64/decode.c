/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * decode: the one place that talks to Zydis's decoder and formatter.  Everything is decoded in
 * 64-bit long mode with a 64-bit stack, the only mode probed processes run in here.  Decoding
 * needs no state beyond the call, so there is nothing to initialise or free; a buffer that
 * does not hold one whole valid instruction is -ENOEXEC, like mainline's insn_decode failure.
 * Formatting is AT&T, for the reasons shown by -v; a formatter failure yields "(?)", never an
 * error, as the text is only a label.
 */
#include <errno.h>
#include <stdio.h>

#include "arch/x86_64/internal.h"

int x86_decode(const uint8_t *bytes, size_t len, struct x86_decoded *ret)
{
	ZydisDecoder dec;

	if (ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)))
		return -EINVAL;
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, bytes, len, &ret->in, ret->ops)))
		return -ENOEXEC;
	return 0;
}

void x86_format(const struct x86_decoded *d, uint64_t vaddr, char *buf, size_t size)
{
	ZydisFormatter fmt;

	if (ZYAN_FAILED(ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_ATT)) ||
	    ZYAN_FAILED(ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_FORCE_RELATIVE_RIPREL,
						  ZYAN_TRUE)) ||
	    ZYAN_FAILED(ZydisFormatterFormatInstruction(
		    &fmt, &d->in, d->ops, d->in.operand_count_visible, buf, size, vaddr, NULL)))
		snprintf(buf, size, "(?)");
}

uint64_t x86_abs_addr(const struct x86_decoded *d, const ZydisDecodedOperand *op, uint64_t vaddr)
{
	ZyanU64 v = 0;

	ZydisCalcAbsoluteAddress(&d->in, op, vaddr, &v);
	return v;
}

int x86_gpr_num(ZydisRegister reg)
{
	ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);

	if (big < ZYDIS_REGISTER_RAX || big > ZYDIS_REGISTER_R15)
		return -1;
	return (int)(big - ZYDIS_REGISTER_RAX);
}

bool x86_has_prefix(const struct x86_decoded *d, uint8_t value)
{
	for (unsigned int i = 0; i < d->in.raw.prefix_count; i++)
		if (d->in.raw.prefixes[i].value == value)
			return true;
	return false;
}
