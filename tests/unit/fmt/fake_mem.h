/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef TEST_FMT_FAKE_MEM_H
#define TEST_FMT_FAKE_MEM_H

#include <stdint.h>

#include "utrace/fmt.h"

/* A tracee address space made of a few byte ranges; everything else is unmapped. */
struct fake_mem {
	struct {
		uint64_t addr;
		const void *data;
		size_t len;
	} region[32];
	int n;
	int reads;
};

void fake_map(struct fake_mem *m, uint64_t addr, const void *data, size_t len);
void fake_map_str(struct fake_mem *m, uint64_t addr, const char *s);
long fake_read(void *ctx, uint64_t addr, void *buf, size_t len);
struct fmt_ctx fake_ctx(struct fake_mem *m, int string_limit);
/* entry + exit of one call in a fresh buffer; the text stays valid until the next call. */
const char *fake_line(struct fake_mem *m, int string_limit, long nr, uint64_t a0, uint64_t a1,
		      uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, int64_t ret);

#endif
