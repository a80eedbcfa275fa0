/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of globals that change hands (vm_move_globals, vm_attach), as the tracer's VM
 * and the agent's share them: a begin probe sets a scalar, a string, a map and an aggregate;
 * the globals move to other memory, the old copy is overwritten with junk, and the end
 * probes, through the same VM, add a map entry and print everything, map entries in order.
 * Then a second VM attaches to a copy of the globals and sees the begin probe's values, not
 * the initial ones that vm_init would set; a region too small for it is refused.
 */
#include <sys/mman.h>

#include "../lang/lang_test.h"

#include "lang/codegen.h"
#include "lang/sema/sema.h"
#include "util/strbuf.h"
#include "vm/vm.h"

static const char script[] =
	"global n = 5, s = \"initial\", m, st\n"
	"probe begin { n++; s = \"begun\"; m[\"a\"] = 7; m[\"b\"] = 8; st <<< 3; st <<< 4 }\n"
	"probe end { m[\"c\"] = 9; n++ }\n"
	"probe end { foreach (k in m) printf(\"%s=%d \", k, m[k]);\n"
	"            printf(\"%d %s %d\\n\", n, s, @sum(st)) }\n";

struct compiled {
	struct parsed parsed;
	struct diag_list dl;
	struct vm_program *prog;
};

static void compile(struct compiled *c)
{
	struct sema_limits lim = {
		.maxaction = 1000, .maxstringlen = 128, .maxmapentries = 64, .maxnesting = 10};
	struct sema_program *sp;

	memset(c, 0, sizeof(*c));
	parse_text(&c->parsed, script);
	assert_int_equal(c->parsed.err, 0);
	assert_int_equal(sema_elaborate(c->parsed.file, &lim, &c->dl, &sp), 0);
	assert_int_equal(codegen(sp, &c->dl, &c->prog), 0);
}

static void release(struct compiled *c)
{
	vm_program_free(c->prog);
	diag_release(&c->dl);
	parsed_release(&c->parsed);
}

static void cap_output(void *d, const char *b, size_t n)
{
	sb_append(d, b, n);
}

static void cap_error(void *d, const char *msg, const char *where)
{
	sb_printf(d, "ERROR: %s near %s\n", msg, where);
}

static const struct vm_host host = {.output = cap_output, .error = cap_error};

static void *region(size_t size)
{
	void *r = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	assert_true(r != MAP_FAILED);
	return r;
}

/* Runs the probes of kind, in order. */
static void run_kind(struct vm *vm, enum vm_probe_kind kind)
{
	const struct vm_program *prog = vm->prog;

	for (uint32_t i = 0; i < prog->nprobes; i++)
		if (prog->probes[i].kind == kind) {
			struct vm_hit_ctx ctx = {.probe = &prog->probes[i], .interruptible = true};

			assert_int_equal(vm_run(vm, &prog->chunks[prog->probes[i].handler], &ctx),
					 0);
		}
}

static int64_t long_global(const struct vm *vm, const char *name)
{
	int64_t v = -1;

	for (uint32_t g = 0; g < vm->prog->nglobals; g++)
		if (!strcmp(vm->prog->globals[g].name, name))
			memcpy(&v, vm_global_ptr(vm, g), sizeof(v));
	return v;
}

static void test_size(void **state)
{
	struct compiled c;

	(void)state;
	compile(&c);
	assert_int_equal(vm_globals_size(c.prog), c.prog->globals_bytes);
	assert_true(vm_globals_size(c.prog) > 0 && vm_globals_size(c.prog) % 16 == 0);
	release(&c);
}

static void test_move(void **state)
{
	struct strbuf out = {0};
	struct compiled c;
	struct vm vm;
	size_t size, gsize;
	unsigned char *r, *to;

	(void)state;
	compile(&c);
	size = vm_region_size(c.prog);
	gsize = vm_globals_size(c.prog);
	r = region(size);
	to = aligned_alloc(16, gsize);
	assert_non_null(to);
	memset(to, 0x5a, gsize);
	assert_int_equal(vm_init(&vm, c.prog, r, size, &host, &out), 0);
	run_kind(&vm, VM_PROBE_BEGIN);
	assert_int_equal(long_global(&vm, "n"), 6);

	vm_move_globals(&vm, to);
	assert_ptr_equal(vm.globals, to);
	memset(r, 0xa5, gsize);
	assert_int_equal(long_global(&vm, "n"), 6);
	run_kind(&vm, VM_PROBE_END);
	assert_string_equal(sb_str(&out), "a=7 b=8 c=9 7 begun 7\n");
	assert_int_equal(long_global(&vm, "n"), 7);

	free(to);
	munmap(r, size);
	sb_release(&out);
	release(&c);
}

static void test_attach(void **state)
{
	struct strbuf out = {0}, fresh = {0};
	struct compiled c;
	struct vm first, second, third;
	size_t size, gsize;
	unsigned char *r1, *r2, *r3;

	(void)state;
	compile(&c);
	size = vm_region_size(c.prog);
	gsize = vm_globals_size(c.prog);
	r1 = region(size);
	r2 = region(size);
	r3 = region(size);
	assert_int_equal(vm_init(&first, c.prog, r1, size, &host, &out), 0);
	run_kind(&first, VM_PROBE_BEGIN);

	memcpy(r2, r1, gsize);
	assert_int_equal(vm_attach(&second, c.prog, r2, size - 1, &host, &out), -ENOSPC);
	assert_int_equal(vm_attach(&second, c.prog, r2, size, &host, &out), 0);
	assert_ptr_equal(second.globals, r2);
	assert_int_equal(long_global(&second, "n"), 6);
	run_kind(&second, VM_PROBE_END);
	assert_string_equal(sb_str(&out), "a=7 b=8 c=9 7 begun 7\n");

	/* vm_init on the same values sets the initial ones again: what attach is for. */
	memcpy(r3, r1, gsize);
	assert_int_equal(vm_init(&third, c.prog, r3, size, &host, &fresh), 0);
	assert_int_equal(long_global(&third, "n"), 5);

	munmap(r1, size);
	munmap(r2, size);
	munmap(r3, size);
	sb_release(&out);
	sb_release(&fresh);
	release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_attach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
