/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the packed program image (vm/image.h): every golden script that compiles
 * (pass 3), and scripts with process probes against two test programs (DWARF target
 * variables, an SDT marker), is packed and unpacked into a fresh region; the unpacked program
 * must pass vm_program_check, dump (-p3) as the original does, lay its globals out the same
 * way and pack again to the very same bytes, which covers every field the image carries.  A
 * few scripts run on both programs with a capturing host and must print the same.  Then the
 * damage: every prefix of an image, random byte flips, flips behind a recomputed checksum
 * (the deep checks' turn) and hand-made bad indices are refused, never a crash (CI runs this
 * under ASan and UBSan).
 *
 * usage: test_vm_program GOLDEN_DIR POINTS GREETER
 */
#include <dirent.h>
#include <sys/mman.h>

#include "../lang/lang_test.h"

#include "lang/codegen.h"
#include "lang/program_pack.h"
#include "lang/regexes.h"
#include "lang/sema/sema.h"
#include "vm/image.h"
#include "vm/vm.h"

static const char *golden_dir, *points_exe, *greeter_exe;

/* A compiled script and what it came from. */
struct compiled {
	struct parsed parsed;
	struct diag_list dl;
	struct vm_program *prog;
	char *text;
	char *argv[8];
	unsigned argc;
};

static struct sema_limits default_limits(void)
{
	struct sema_limits lim = {
		.maxaction = 1000, .maxstringlen = 512, .maxmapentries = 2048, .maxnesting = 10};

	return lim;
}

/* ustap's -D and -g, as a golden case's .args gives them; the words after {} are @1, @2... */
static void golden_args(const char *args_path, struct sema_limits *lim, struct compiled *c)
{
	FILE *f = fopen(args_path, "r");
	char word[256];
	bool after_script = false;

	if (!f)
		return;
	while (fscanf(f, "%255s", word) == 1) {
		if (after_script && c->argc < 8) {
			c->argv[c->argc++] = strdup(word);
		} else if (!strcmp(word, "{}")) {
			after_script = true;
		} else if (!strcmp(word, "-g")) {
			lim->guru = true;
		} else if (!strcmp(word, "-D") && fscanf(f, "%255s", word) == 1) {
			long v = atol(strchr(word, '=') ? strchr(word, '=') + 1 : "0");

			if (!strncmp(word, "MAXACTION=", 10))
				lim->maxaction = v;
			else if (!strncmp(word, "MAXSTRINGLEN=", 13))
				lim->maxstringlen = v;
			else if (!strncmp(word, "MAXMAPENTRIES=", 14))
				lim->maxmapentries = v;
		}
	}
	fclose(f);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb = {0};
	char buf[4096];
	size_t n;

	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_append(&sb, buf, n);
	fclose(f);
	return sb.buf ? sb.buf : strdup("");
}

/* Passes 1 to 3 on text; 0, or -1 when it does not compile. */
static int compile(struct compiled *c, char *text, const struct sema_limits *lim)
{
	struct sema_limits l = *lim;
	struct sema_program *sp;

	c->text = text;
	parse_text_args(&c->parsed, text, (const char *const *)c->argv, c->argc);
	if (c->parsed.err)
		return -1;
	if (sema_elaborate(c->parsed.file, &l, &c->dl, &sp) < 0)
		return -1;
	return codegen(sp, &c->dl, &c->prog) < 0 ? -1 : 0;
}

static void release(struct compiled *c)
{
	vm_program_free(c->prog);
	diag_release(&c->dl);
	parsed_release(&c->parsed);
	free(c->text);
	for (unsigned i = 0; i < c->argc; i++)
		free(c->argv[i]);
	memset(c, 0, sizeof(*c));
}

/* A region of size bytes, 16-aligned, full of junk (unpack must not count on zeroes). */
static void *junk_region(size_t size)
{
	void *r = aligned_alloc(16, (size + 15) & ~(size_t)15);

	assert_non_null(r);
	memset(r, 0xa5, size);
	return r;
}

static void dump(const struct vm_program *prog, struct strbuf *out)
{
	sb_reset(out);
	vm_program_dump(prog, out);
}

/* Packs prog, unpacks it into a fresh region (*ret_region, the image dropped first). */
static struct vm_program *roundtrip(const struct vm_program *prog, void **ret_region,
				    void **ret_img, size_t *ret_len)
{
	struct vm_program *up = NULL;
	size_t len, size;
	void *img, *region;

	assert_int_equal(vm_program_pack(prog, &img, &len), 0);
	assert_int_equal(vm_program_unpack_size(img, len, &size), 0);
	region = junk_region(size);
	assert_int_equal(vm_program_unpack(img, len, region, size, &up), 0);
	assert_ptr_equal(up, region);
	*ret_region = region;
	*ret_img = img;
	*ret_len = len;
	return up;
}

/* The roundtrip of one program: same dump, same layout, same bytes when packed again. */
static void check_roundtrip(const struct vm_program *prog)
{
	struct strbuf a = {0}, b = {0};
	struct vm_program *up;
	void *region, *img, *img2;
	size_t len, len2;

	assert_int_equal(vm_program_check(prog), 0);
	up = roundtrip(prog, &region, &img, &len);
	memset(img, 0x5a, len);
	free(img);
	dump(prog, &a);
	dump(up, &b);
	assert_string_equal(sb_str(&a), sb_str(&b));
	assert_int_equal(up->globals_bytes, prog->globals_bytes);
	assert_int_equal(vm_region_size(up), vm_region_size(prog));
	for (uint32_t i = 0; i < prog->nglobals; i++) {
		assert_int_equal(up->globals[i].offset, prog->globals[i].offset);
		assert_memory_equal(&up->globals[i].layout, &prog->globals[i].layout,
				    sizeof(prog->globals[i].layout));
	}
	assert_int_equal(vm_program_pack(prog, &img, &len), 0);
	assert_int_equal(vm_program_pack(up, &img2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(img, img2, len);
	free(img);
	free(img2);
	free(region);
	sb_release(&a);
	sb_release(&b);
}

static void test_golden_roundtrip(void **state)
{
	DIR *d = opendir(golden_dir);
	struct dirent *e;
	unsigned compiled = 0, tried = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char path[4096], args[4096];
		struct sema_limits lim = default_limits();
		struct compiled c = {0};

		if (n < 5 || strcmp(e->d_name + n - 4, ".stp"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", golden_dir, e->d_name);
		snprintf(args, sizeof(args), "%s/%.*s.args", golden_dir, (int)(n - 4), e->d_name);
		golden_args(args, &lim, &c);
		tried++;
		if (compile(&c, read_file(path), &lim) == 0) {
			check_roundtrip(c.prog);
			compiled++;
		}
		release(&c);
	}
	closedir(d);
	print_message("%u of %u golden scripts compile and round-trip\n", compiled, tried);
	assert_true(tried >= 40);
	assert_true(compiled >= 15);
}

/* Scripts with process probes, @PROG standing for a test program. */
static const char *const process_scripts[] = {
	"probe process(\"@POINTS\").function(\"area\") {\n"
	"  printf(\"%d %d %s %s\\n\", $p->x, $scale, $$parms, $p->name$)\n"
	"  $scale = $scale * 2; total = $local }\n"
	"global total\n",
	"global n\n"
	"probe process(\"@POINTS\").function(\"area\").return { n += @entry($scale) + $return }\n"
	"probe process(\"@POINTS\").statement(\"area@points.c:19\") { println(@var(\"total\")) }\n",
	"probe process(\"@GREETER\").mark(\"greeted\") { println($arg1, \" \", $arg2, pn()) }\n"
	"probe process(\"@GREETER\").function(\"greet\") { println(user_string($who)) }\n"
	"probe process.begin, process.end { println(pid()) }\n",
};

static char *with_programs(const char *s)
{
	struct strbuf sb = {0};

	for (; *s; s++) {
		if (!strncmp(s, "@POINTS", 7)) {
			sb_append(&sb, points_exe, strlen(points_exe));
			s += 6;
		} else if (!strncmp(s, "@GREETER", 8)) {
			sb_append(&sb, greeter_exe, strlen(greeter_exe));
			s += 7;
		} else {
			sb_putc(&sb, *s);
		}
	}
	return sb.buf;
}

static void test_process_roundtrip(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(process_scripts) / sizeof(process_scripts[0]); i++) {
		struct sema_limits lim = default_limits();
		struct compiled c = {0};
		unsigned ntv = 0, nsdt = 0;

		lim.guru = true;
		if (compile(&c, with_programs(process_scripts[i]), &lim) < 0)
			fail_msg("script %u: %s", i, c.parsed.diags);
		for (uint32_t k = 0; k < c.prog->nprobes; k++) {
			ntv += c.prog->probes[k].ntv;
			nsdt += c.prog->probes[k].sdt_nargs;
		}
		assert_true(i == 2 ? nsdt > 0 : ntv > 0);
		check_roundtrip(c.prog);
		release(&c);
	}
}

/* A host that captures output and errors, as in tests/unit/lang/test_vm.c. */
struct capture {
	struct strbuf out;
	struct vm_regexes *regexes;
	int rc;
};

static void cap_output(void *d, const char *b, size_t n)
{
	sb_append(&((struct capture *)d)->out, b, n);
}

static void cap_warn(void *d, const char *m)
{
	sb_printf(&((struct capture *)d)->out, "WARNING: %s\n", m);
}

static int64_t cap_clock(void *d, bool mono)
{
	(void)d;
	return mono ? 5000 : 1700000000000000000ll;
}

static void cap_control(void *d, enum vm_control w)
{
	sb_printf(&((struct capture *)d)->out, "<control %d>\n", (int)w);
}

static void cap_error(void *d, const char *msg, const char *where)
{
	sb_printf(&((struct capture *)d)->out, "ERROR: %s near %s\n", msg, where);
}

static int cap_regex(void *d, uint32_t re, const char *s, struct vm_submatch *m, unsigned nm)
{
	return vm_regexes_match(((struct capture *)d)->regexes, re, s, m, nm);
}

static uint64_t cap_random(void *d)
{
	(void)d;
	return 42;
}

static const struct vm_host cap_host = {cap_output, cap_warn,  cap_clock, cap_control,
					cap_error,  cap_regex, cap_random};

/* Runs the begin probes, then the end probes and autoprint, of prog into cap. */
static void run(const struct vm_program *prog, struct capture *cap)
{
	size_t size = vm_region_size(prog);
	void *region = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct vm vm;

	memset(cap, 0, sizeof(*cap));
	assert_true(region != MAP_FAILED);
	assert_int_equal(vm_regexes_compile(prog, &cap->regexes), 0);
	assert_int_equal(vm_init(&vm, prog, region, size, &cap_host, cap), 0);
	for (int kind = VM_PROBE_BEGIN; kind <= VM_PROBE_END; kind++)
		for (uint32_t i = 0; i < prog->nprobes; i++)
			if ((int)prog->probes[i].kind == kind) {
				struct vm_hit_ctx ctx = {.probe = &prog->probes[i], .pid = 7};

				cap->rc |=
					vm_run(&vm, &prog->chunks[prog->probes[i].handler], &ctx);
			}
	vm_autoprint(&vm);
	vm_regexes_free(cap->regexes);
	munmap(region, size);
}

static void test_same_output(void **state)
{
	static const char *const runs[] = {"run_basic",	  "run_arrays", "run_aggregates",
					   "run_control", "run_error",	"run_hist_spec"};

	(void)state;
	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct sema_limits lim = default_limits();
		struct compiled c = {0};
		struct capture a, b;
		char path[4096];
		struct vm_program *up;
		void *region, *img;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s.args", golden_dir, runs[i]);
		golden_args(path, &lim, &c);
		snprintf(path, sizeof(path), "%s/%s.stp", golden_dir, runs[i]);
		assert_int_equal(compile(&c, read_file(path), &lim), 0);
		up = roundtrip(c.prog, &region, &img, &len);
		free(img);
		run(c.prog, &a);
		run(up, &b);
		assert_true(a.out.len > 0);
		assert_string_equal(sb_str(&a.out), sb_str(&b.out));
		assert_int_equal(a.rc, b.rc);
		sb_release(&a.out);
		sb_release(&b.out);
		free(region);
		release(&c);
	}
}

/* An image of a program with a bit of everything: globals, maps, formats, regexes, probes. */
static void sample_image(void **ret_img, size_t *ret_len)
{
	struct sema_limits lim = default_limits();
	struct compiled c = {0};
	char path[4096];

	snprintf(path, sizeof(path), "%s/p3_bytecode.stp", golden_dir);
	assert_int_equal(compile(&c, read_file(path), &lim), 0);
	assert_int_equal(vm_program_pack(c.prog, ret_img, ret_len), 0);
	release(&c);
}

/* unpack of img: 0 or -EINVAL (never another error here, never a crash). */
static int try_unpack(const void *img, size_t len, struct vm_program **ret, void **ret_region)
{
	size_t size = 0;
	void *region;
	int r = vm_program_unpack_size(img, len, &size);

	*ret_region = NULL;
	if (r < 0) {
		assert_int_equal(r, -EINVAL);
		return r;
	}
	region = junk_region(size);
	r = vm_program_unpack(img, len, region, size, ret);
	if (r < 0) {
		assert_int_equal(r, -EINVAL);
		free(region);
		return r;
	}
	*ret_region = region;
	return 0;
}

static void test_truncated(void **state)
{
	struct vm_program *p;
	void *img, *region;
	size_t len;

	(void)state;
	sample_image(&img, &len);
	for (size_t n = 0; n < len; n++) {
		void *copy = malloc(n ? n : 1);

		memcpy(copy, img, n);
		assert_int_equal(try_unpack(copy, n, &p, &region), -EINVAL);
		free(copy);
	}
	assert_int_equal(try_unpack(img, len, &p, &region), 0);
	free(region);
	free(img);
}

static void reseal(unsigned char *img, size_t len)
{
	uint64_t sum = vm_image_checksum(img, len);

	memcpy(img + offsetof(struct vm_image_header, checksum), &sum, sizeof(sum));
}

static void test_flipped(void **state)
{
	struct strbuf sb = {0};
	unsigned accepted = 0;
	unsigned char *copy;
	void *img;
	size_t len;

	(void)state;
	sample_image(&img, &len);
	copy = malloc(len);
	srand(1);
	for (unsigned round = 0; round < 6000; round++) {
		bool sealed = round >= 1000;
		struct vm_program *p;
		void *region;

		memcpy(copy, img, len);
		for (int k = 0, n = 1 + rand() % 3; k < n; k++)
			copy[(size_t)rand() % len] ^= (unsigned char)(1 + rand() % 255);
		if (!memcmp(copy, img, len))
			continue;
		if (sealed)
			reseal(copy, len);
		if (try_unpack(copy, len, &p, &region) < 0)
			continue;
		/* A change the checks cannot see (a constant, a string's bytes) must be sealed. */
		assert_true(sealed);
		assert_int_equal(vm_program_check(p), 0);
		dump(p, &sb);
		accepted++;
		free(region);
	}
	print_message("%u of 5000 resealed damaged images still valid\n", accepted);
	sb_release(&sb);
	free(copy);
	free(img);
}

/* Where record i of section s is in img. */
static unsigned char *record_at(unsigned char *img, enum vm_image_section_id s, uint32_t i)
{
	struct vm_image_header h;

	memcpy(&h, img, sizeof(h));
	assert_true(i < h.sec[s].count);
	return img + h.sec[s].off + (size_t)i * vm_image_record_size[s];
}

/* Each edit, resealed, is refused; the image itself is fine. */
static void test_bad_indices(void **state)
{
	struct vm_image_header h;
	struct vm_program *p;
	unsigned char *copy;
	void *img, *region;
	size_t len;
	uint32_t big = 0x7fffffff;
	uint16_t op_count = VM_OP_COUNT, local = 0x7fff;

	(void)state;
	sample_image(&img, &len);
	copy = malloc(len);
	memcpy(&h, img, sizeof(h));
#define REFUSED(edit)                                                          \
	do {                                                                   \
		memcpy(copy, img, len);                                        \
		edit;                                                          \
		reseal(copy, len);                                             \
		assert_int_equal(try_unpack(copy, len, &p, &region), -EINVAL); \
	} while (0)
	REFUSED(memcpy(record_at(copy, VM_IMAGE_CODE, 0), &op_count, 2));
	REFUSED(memcpy(record_at(copy, VM_IMAGE_CODE, 0) + 2, &local, 2);
		memcpy(record_at(copy, VM_IMAGE_CODE, 0), &(uint16_t){VM_OP_LDL}, 2));
	REFUSED(memcpy(record_at(copy, VM_IMAGE_CODE, 0), &(uint16_t){VM_OP_JMP}, 2);
		memcpy(record_at(copy, VM_IMAGE_CODE, 0) + 4, &big, 4));
	REFUSED(memcpy(record_at(copy, VM_IMAGE_CODE, 0), &(uint16_t){VM_OP_PUSHK}, 2);
		memcpy(record_at(copy, VM_IMAGE_CODE, 0) + 4, &h.sec[VM_IMAGE_LONGS].count, 4));
	REFUSED(memcpy(record_at(copy, VM_IMAGE_CODELOCS, 0), &h.sec[VM_IMAGE_LOCS].count, 4));
	REFUSED(memcpy(record_at(copy, VM_IMAGE_STRS, 0), &h.sec[VM_IMAGE_STRTAB].count, 4));
	REFUSED(memcpy(record_at(copy, VM_IMAGE_CHUNKS, 0) + 8, &big, 4));
	REFUSED(memcpy(record_at(copy, VM_IMAGE_PROBES, 0) +
			       offsetof(struct vm_image_probe, handler),
		       &big, 4));
	REFUSED(record_at(copy, VM_IMAGE_GLOBALS, 0)[offsetof(struct vm_image_global, type)] = 9);
	REFUSED(copy[h.sec[VM_IMAGE_STRTAB].off + h.sec[VM_IMAGE_STRTAB].count - 1] = 'x');
	REFUSED(memcpy(copy + offsetof(struct vm_image_header, sec[VM_IMAGE_ITERS].count), &big,
		       4));
	REFUSED(memcpy(copy + offsetof(struct vm_image_header, version), &big, 4));
#undef REFUSED
	/* The region: too small, misaligned. */
	{
		size_t size;
		char *r;

		assert_int_equal(vm_program_unpack_size(img, len, &size), 0);
		r = junk_region(size + 16);
		assert_int_equal(vm_program_unpack(img, len, r, size - 1, &p), -ENOSPC);
		assert_int_equal(vm_program_unpack(img, len, r + 8, size, &p), -EINVAL);
		assert_int_equal(vm_program_unpack(img, len, r, size, &p), 0);
		free(r);
	}
	free(copy);
	free(img);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_roundtrip), cmocka_unit_test(test_process_roundtrip),
		cmocka_unit_test(test_same_output),	 cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_flipped),		 cmocka_unit_test(test_bad_indices),
	};

	if (argc != 4) {
		fprintf(stderr, "usage: %s GOLDEN_DIR POINTS GREETER\n", argv[0]);
		return 2;
	}
	golden_dir = argv[1];
	points_exe = argv[2];
	greeter_exe = argv[3];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
