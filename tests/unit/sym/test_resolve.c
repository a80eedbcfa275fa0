/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Probe specs -> file offsets, the instruction-boundary hook, library lookup. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "sym/sym.h"
#include "util/strbuf.h"

static struct sym_file *open_ok(const char *path)
{
	int err = 0;
	struct sym_file *f = sym_file_open(path, &err);

	if (!f)
		fail_msg("%s: %s", path, strerror(-err));
	return f;
}

static void test_spec_parse(void **state)
{
	struct sym_spec sp = {0};

	assert_int_equal(sym_spec_parse("libc.so.6:malloc+0x10", &sp), 0);
	assert_string_equal(sp.lib, "libc.so.6");
	assert_string_equal(sp.name, "malloc");
	assert_int_equal(sp.offset, 16);
	sym_spec_release(&sp);

	assert_int_equal(sym_spec_parse("fx_add", &sp), 0);
	assert_null(sp.lib);
	assert_string_equal(sp.name, "fx_add");
	assert_int_equal(sp.offset, 0);
	sym_spec_release(&sp);

	assert_int_equal(sym_spec_parse("/usr/lib/x86_64-linux-gnu/libfoo.so:f@@V_2+12", &sp), 0);
	assert_string_equal(sp.lib, "/usr/lib/x86_64-linux-gnu/libfoo.so");
	assert_string_equal(sp.name, "f@@V_2");
	assert_int_equal(sp.offset, 12);
	sym_spec_release(&sp);

	assert_int_equal(sym_spec_parse("0x401136+4", &sp), 0);
	assert_null(sp.name);
	assert_int_equal(sp.addr, 0x401136);
	assert_int_equal(sp.offset, 4);
	sym_spec_release(&sp);

	assert_int_equal(sym_spec_parse("puts@plt", &sp), 0);
	assert_string_equal(sp.name, "puts@plt");
	sym_spec_release(&sp);

	assert_int_equal(sym_spec_parse("_ZN2ns1fEv", &sp), 0);
	assert_null(sp.lib);
	sym_spec_release(&sp);
	sym_spec_release(NULL);

	sp.addr = 99;
	assert_int_equal(sym_spec_parse("", &sp), -EINVAL);
	assert_int_equal(sym_spec_parse(":foo", &sp), -EINVAL);
	assert_int_equal(sym_spec_parse("lib:", &sp), -EINVAL);
	assert_int_equal(sym_spec_parse("foo+zz", &sp), -EINVAL);
	assert_int_equal(sym_spec_parse("foo+", &sp), -EINVAL);
	assert_int_equal(sym_spec_parse("0x12g", &sp), -EINVAL);
	assert_int_equal(sym_spec_parse("@plt", &sp), -EINVAL);
	assert_int_equal(sp.addr, 99);
}

struct seen {
	int calls;
	size_t len;
	uint64_t off;
	uint8_t code[256];
	int ret;
};

static int check_fn(const uint8_t *code, size_t len, uint64_t off, void *data)
{
	struct seen *s = data;

	s->calls++;
	s->len = len;
	s->off = off;
	memcpy(s->code, code, len < sizeof(s->code) ? len : sizeof(s->code));
	return s->ret;
}

static void test_resolve_symbol(void **state)
{
	struct sym_file *f = open_ok(fx_env("FX_PIE"));
	struct sym_spec sp = {0};
	struct sym_location loc = {0};
	struct seen seen = {0};
	uint64_t addr, size, vma, off, ssize;
	uint8_t file_bytes[256];

	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_PIE_NM"), "fx_stride", &addr, &size), 0);
	assert_int_equal(
		fx_section(fx_env("FX_EXPECT_FX_PIE_SECTIONS"), ".text", &vma, &off, &ssize), 0);
	assert_int_equal(sym_spec_parse("fx_stride+4", &sp), 0);
	assert_int_equal(sym_resolve(f, &sp, check_fn, &seen, &loc), 0);
	assert_string_equal(loc.sym->name, "fx_stride");
	assert_int_equal(loc.vaddr, addr + 4);
	assert_int_equal(loc.file_offset, addr + 4 - vma + off);
	assert_int_equal(loc.func_vaddr, addr);
	assert_int_equal(loc.func_offset, addr - vma + off);
	assert_int_equal(loc.func_size, size);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.len, size);
	assert_int_equal(seen.off, 4);
	assert_true(size <= sizeof(file_bytes));
	assert_int_equal(sym_file_read(f, loc.func_offset, file_bytes, size), 0);
	assert_memory_equal(seen.code, file_bytes, size);
	sym_spec_release(&sp);

	/* The hook refuses: its error comes back and loc is untouched. */
	memset(&loc, 0xab, sizeof(loc));
	seen.ret = -EILSEQ;
	assert_int_equal(sym_spec_parse("fx_stride+1", &sp), 0);
	assert_int_equal(sym_resolve(f, &sp, check_fn, &seen, &loc), -EILSEQ);
	assert_int_equal(loc.vaddr, 0xababababababababull);
	sym_spec_release(&sp);
	sym_file_free(f);
}

static void expect_err(struct sym_file *f, const char *text, int err)
{
	struct sym_spec sp = {0};
	struct sym_location loc;

	assert_int_equal(sym_spec_parse(text, &sp), 0);
	if (sym_resolve(f, &sp, NULL, NULL, &loc) != err)
		fail_msg("%s: expected %d", text, err);
	sym_spec_release(&sp);
}

static void test_resolve_errors(void **state)
{
	struct sym_file *f = open_ok(fx_env("FX_NOPIE"));
	struct strbuf sb = {0};
	char text[64];
	uint64_t addr, size;

	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_NOPIE_NM"), "fx_add", &addr, &size), 0);
	snprintf(text, sizeof(text), "fx_add+%llu", (unsigned long long)size);
	expect_err(f, text, -ERANGE);
	snprintf(text, sizeof(text), "fx_add+%llu", (unsigned long long)size - 1);
	expect_err(f, text, 0);
	expect_err(f, "fx_nope", -ENOENT);
	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_NOPIE_NM"), "fx_data_word", &addr, &size), 0);
	snprintf(text, sizeof(text), "0x%llx", (unsigned long long)addr);
	expect_err(f, text, -EACCES);
	expect_err(f, "0x10", -ERANGE);
	sym_explain(f, "fx_nope", -ENOENT, &sb);
	assert_string_equal(strchr(sb_str(&sb), ':'), ": no function 'fx_nope'");
	sb_reset(&sb);
	sym_explain(f, "0x10", -EACCES, &sb);
	assert_non_null(strstr(sb_str(&sb), "not in an executable segment"));
	sb_release(&sb);
	sym_file_free(f);
}

/* A copy of path (in a temporary file, named in *ret_path) with name's st_size set to size. */
static void copy_with_size(const char *path, const char *name, uint64_t size, char *ret_path)
{
	int in = open(path, O_RDONLY), out;
	Elf_Scn *scn = NULL;
	char buf[4096];
	ssize_t n;
	Elf *elf;

	strcpy(ret_path, "/tmp/test_sym_resolve.XXXXXX");
	out = mkstemp(ret_path);
	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	elf_version(EV_CURRENT);
	elf = elf_begin(in, ELF_C_READ, NULL);
	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Sym sym;
		Elf_Data *d = elf_getdata(scn, NULL);

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		for (int i = 0; gelf_getsym(d, i, &sym); i++) {
			if (strcmp(elf_strptr(elf, sh.sh_link, sym.st_name), name))
				continue;
			assert_int_equal(pwrite(out, &size, 8,
						(off_t)(sh.sh_offset + (uint64_t)i * sh.sh_entsize +
							offsetof(Elf64_Sym, st_size))),
					 8);
		}
	}
	elf_end(elf);
	close(in);
	close(out);
}

static int accept_fn(const uint8_t *code, size_t len, uint64_t off, void *data)
{
	return 0;
}

/* A symbol whose size runs past the end of the file: refused before its bytes are allocated. */
static void test_resolve_huge_size(void **state)
{
	char path[64];
	struct sym_file *f;
	struct sym_spec sp = {0};
	struct sym_location loc;

	copy_with_size(fx_env("FX_NOPIE"), "fx_add", 0x3b00000000000000ULL, path);
	f = open_ok(path);
	assert_int_equal(sym_spec_parse("fx_add+1", &sp), 0);
	assert_int_equal(sym_resolve(f, &sp, accept_fn, NULL, &loc), -EFAULT);
	assert_int_equal(sym_resolve(f, &sp, NULL, NULL, &loc), 0);
	assert_int_equal(loc.func_size, 0x3b00000000000000ULL);
	sym_spec_release(&sp);
	sym_file_free(f);
	unlink(path);
}

static void test_resolve_address(void **state)
{
	struct sym_file *f = open_ok(fx_env("FX_NOPIE"));
	struct sym_spec sp = {0};
	struct sym_location loc = {0};
	uint64_t addr, size;
	char text[64];

	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FX_NOPIE_NM"), "fx_sub", &addr, &size), 0);
	snprintf(text, sizeof(text), "0x%llx+2", (unsigned long long)addr);
	assert_int_equal(sym_spec_parse(text, &sp), 0);
	assert_int_equal(sym_resolve(f, &sp, NULL, NULL, &loc), 0);
	assert_string_equal(loc.sym->name, "fx_sub");
	assert_int_equal(loc.vaddr, addr + 2);
	/* Non-PIE: text at 0x401000 from offset 0x1000. */
	assert_int_equal(loc.file_offset, addr + 2 - 0x400000);
	assert_int_equal(loc.func_vaddr, addr);
	assert_int_equal(loc.func_size, size);
	sym_spec_release(&sp);
	sym_file_free(f);
}

static void test_resolve_plt(void **state)
{
	struct sym_file *f = open_ok(fx_env("FX_PLT_IBT"));
	struct sym_spec sp = {0};
	struct sym_location loc = {0};
	uint64_t addr, vma, off, size;

	assert_int_equal(fx_dis_label(fx_env("FX_EXPECT_FX_PLT_IBT_DIS"), "puts@plt", &addr), 0);
	assert_int_equal(
		fx_section(fx_env("FX_EXPECT_FX_PLT_IBT_SECTIONS"), ".plt.sec", &vma, &off, &size),
		0);
	assert_int_equal(sym_spec_parse("puts@plt", &sp), 0);
	assert_int_equal(sym_resolve(f, &sp, NULL, NULL, &loc), 0);
	assert_int_equal(loc.vaddr, addr);
	assert_int_equal(loc.file_offset, addr - vma + off);
	assert_int_equal(loc.func_size, 16);
	sym_spec_release(&sp);
	sym_file_free(f);
}

static void test_library_spec(void **state)
{
	char dir[PATH_MAX], *path = NULL;
	struct sym_spec sp = {0};
	struct sym_location loc = {0};
	struct sym_file *f;
	uint64_t addr, size;

	snprintf(dir, sizeof(dir), "%s", fx_env("FX_VER"));
	*strrchr(dir, '/') = '\0';
	assert_int_equal(setenv("LD_LIBRARY_PATH", dir, 1), 0);
	assert_int_equal(sym_spec_parse("libfxver.so.1:fxv_compute@FXVER_1+1", &sp), 0);
	assert_int_equal(sym_find_library(sp.lib, NULL, &path), 0);
	f = open_ok(path);
	assert_string_equal(sym_file_soname(f), "libfxver.so.1");
	assert_int_equal(sym_resolve(f, &sp, NULL, NULL, &loc), 0);
	assert_int_equal(fx_nm(fx_env("FX_EXPECT_FXVER_NM"), "fxv_old", &addr, &size), 0);
	assert_int_equal(loc.vaddr, addr + 1);
	sym_file_free(f);
	free(path);
	sym_spec_release(&sp);

	/* The stem finds the library in LD_LIBRARY_PATH too. */
	assert_int_equal(sym_find_library("libfxver", NULL, &path), 0);
	assert_non_null(strstr(path, "/libfxver.so"));
	free(path);
	unsetenv("LD_LIBRARY_PATH");
}

static void test_find_library(void **state)
{
	char *path = (void *)1;

	assert_int_equal(sym_find_library("libc", NULL, &path), 0);
	assert_string_equal(strrchr(path, '/'), "/libc.so.6");
	free(path);
	assert_int_equal(sym_find_library("libc.so.6", NULL, &path), 0);
	assert_string_equal(strrchr(path, '/'), "/libc.so.6");
	free(path);
	path = (void *)1;
	assert_int_equal(sym_find_library("/nonexistent/libx.so", NULL, &path), -ENOENT);
	assert_int_equal(sym_find_library("libdefinitely-not-there", NULL, &path), -ENOENT);
	assert_ptr_equal(path, (void *)1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_parse),     cmocka_unit_test(test_resolve_symbol),
		cmocka_unit_test(test_resolve_errors), cmocka_unit_test(test_resolve_address),
		cmocka_unit_test(test_resolve_plt),    cmocka_unit_test(test_library_spec),
		cmocka_unit_test(test_find_library),   cmocka_unit_test(test_resolve_huge_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
