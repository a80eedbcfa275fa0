/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef TESTS_UNIT_SYM_FIXTURE_H
#define TESTS_UNIT_SYM_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

/* An environment variable set by meson.build; fails the test when missing. */
const char *fx_env(const char *name);
/* Address (and size, 0 if nm shows none) of name in `nm -S` output; -ENOENT if absent. */
int fx_nm(const char *nm_file, const char *name, uint64_t *ret_addr, uint64_t *ret_size);
/* VMA, file offset and size of a section in `objdump -h -w` output. */
int fx_section(const char *sections_file, const char *name, uint64_t *ret_vma, uint64_t *ret_off,
	       uint64_t *ret_size);
/* Address of "<name>:" in `objdump -d` output. */
int fx_dis_label(const char *dis_file, const char *label, uint64_t *ret_addr);
/* The "<x@plt>:" labels of `objdump -d` (at most max): names without "@plt", addresses. */
size_t fx_dis_plt(const char *dis_file, char names[][64], uint64_t *addrs, size_t max);

/* Runs path arg, reads the address it prints first; close *ret_in then fx_reap(). */
pid_t fx_spawn(const char *path, const char *arg, uint64_t *ret_printed, int *ret_in);
void fx_reap(pid_t pid, int in);

#endif
