/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * classify DIR... : how the uprobes trap tier would continue a probe at the entry of every
 * function of every ELF file under the given directories (not recursive; regular files only).
 *
 * For each function symbol with a nonzero size (.symtab and .dynsym, merged by src/sym), the
 * first instruction is read from the file at the symbol's offset and classified by x86_analyze()
 * exactly as uprobe_register() would (src/uprobe/registry.c, probe_analyse): emulated, boosted
 * (out of line with a jump back), stepped (out of line with a single-step) or refused.  An int3
 * already in the file counts as refused.  Prints totals, percentages, the goal of the issue
 * (>= 95% emulated or boosted), the most frequent refusal and step reasons, and the most
 * frequent first instructions of each class.  Files that do not open as ELF are skipped.
 *
 * The patched columns are the in-process tier's: whether x86_patch_analyze() accepts a jump
 * patch at the entry, given the whole function's bytes, the other symbols that start inside
 * it as entry points, the file's bytes for its jump tables, and the padding after it (up to
 * the next symbol, not covered by any .eh_frame entry).  patched1 puts the jump at the symbol
 * address, patched2 after an initial endbr64 (the placement the tier prefers), patched3 is
 * patched2 trusting indirect jumps without a table in sight to be tail calls.  Their
 * refusals are tallied by verdict and detail; the goal is >= 95% patchable.
 *
 * Built by bench/classify_sites.sh against the build's static libraries.
 */
#include <dirent.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86_64/patch.h"
#include "arch/x86_64/x86.h"
#include "sym/sym.h"

#define NCLASS	4
#define NPATCH	3 /* at the symbol, after an endbr64, the same trusting tail calls */
#define MAX_PAD 16

struct reason {
	char text[X86_REASON_MAX];
	unsigned long n;
};

struct tally {
	struct reason *v;
	size_t n, cap;
};

static const char *const class_names[NCLASS] = {"refused", "emulated", "boosted", "stepped"};
static struct tally reasons[NCLASS], patch_reasons[NPATCH];
static unsigned long counts[NCLASS], files, skipped, symbols, unreadable;
static unsigned long patched[NPATCH][NCLASS], patch_flags[NPATCH][8];
static const unsigned int patch_mode[NPATCH] = {0, X86_PATCH_AFTER_ENDBR,
						X86_PATCH_AFTER_ENDBR | X86_PATCH_TAIL_CALLS};
static const char *const patch_where[NPATCH] = {"at the symbol address", "after an initial endbr64",
						"after an initial endbr64, trusting tail calls"};

static void count(struct tally *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (!strcmp(t->v[i].text, key)) {
			t->v[i].n++;
			return;
		}
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct reason *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return;
		t->v = v;
		t->cap = cap;
	}
	snprintf(t->v[t->n].text, sizeof(t->v[0].text), "%s", key);
	t->v[t->n++].n = 1;
}

/* A reason's kind: "refused: syscall" stays whole; operands of an instruction are cut off
 * ("emulated: push %rbp" -> "emulated: push") so that the table groups by mnemonic. */
static void tally(int cls, const char *reason)
{
	char key[X86_REASON_MAX];

	snprintf(key, sizeof(key), "%s", reason);
	if (cls != X86_REFUSE && cls != X86_STEP) {
		char *colon = strchr(key, ':');
		char *sp = colon ? strchr(colon + 2, ' ') : NULL;

		if (sp)
			*sp = '\0';
	} else {
		/* keep "stepped: indirect jump" / "refused: syscall", drop the instruction text */
		char *colon = strchr(key, ':');
		char *second = colon ? strchr(colon + 1, ':') : NULL;
		char *bracket = strchr(key, '[');

		if (second)
			*second = '\0';
		if (bracket && (!second || bracket < second))
			*bracket = '\0';
	}
	count(&reasons[cls], key);
}

static int read_image(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	const struct sym_file *f = ctx;
	uint64_t off;
	int rc = sym_vaddr_to_offset(f, vaddr, 0, &off);

	return rc < 0 ? rc : sym_file_read(f, off, buf, len);
}

/* A refusal's kind: the verdict, and for instructions which one ("...: int3 at +0x4" -> int3). */
static void tally_patch(int k, const struct x86_patch *p)
{
	char key[X86_PATCH_REASON_MAX];
	char *at;

	if (p->verdict == X86_PATCH_INSN || p->verdict == X86_PATCH_INDIRECT) {
		snprintf(key, sizeof(key), "%s", p->reason);
		if ((at = strstr(key, " at +0x")))
			*at = '\0';
	} else {
		snprintf(key, sizeof(key), "refused: %s", x86_patch_verdict_text(p->verdict));
	}
	count(&patch_reasons[k], key);
}

static uint8_t *code;
static size_t code_cap;
static size_t *entries;
static size_t entries_cap;

static bool grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	if (!(p = realloc(*v, n * elem)))
		return false;
	*v = p;
	*cap = n;
	return true;
}

/*
 * Bytes after the function that nothing enters: up to the next symbol (or MAX_PAD), in the
 * executable segment, and not claimed by an unwind entry (.eh_frame describes every compiled
 * function, stripped or not).  The analysis still checks that they are NOPs or int3.
 */
static size_t padding(const struct sym_file *f, Dwarf_CFI *cfi, size_t i)
{
	const struct sym_symbol *s = sym_at(f, i);
	uint64_t end = s->addr + s->size, limit = end + MAX_PAD, off;

	for (size_t j = i + 1; j < sym_count(f); j++) {
		uint64_t a = sym_at(f, j)->addr;

		if (a >= end) {
			limit = a < limit ? a : limit;
			break;
		}
	}
	for (uint64_t a = end; a < limit; a++) {
		Dwarf_Frame *fr;

		if (sym_vaddr_to_offset(f, a, SYM_NEED_EXEC, &off) < 0)
			return a - end;
		if (cfi && dwarf_cfi_addrframe(cfi, a, &fr) == 0) {
			free(fr);
			return a - end;
		}
	}
	return limit - end;
}

/* Jump patches at the entry of symbol i (class cls in the trap tier), in each mode. */
static void patch_site(struct sym_file *f, Dwarf_CFI *cfi, size_t i, uint64_t off, int cls)
{
	const struct sym_symbol *s = sym_at(f, i);
	struct x86_func fn;
	struct x86_patch p;
	size_t n = 0, pad = 0;

	if (!grow((void **)&code, &code_cap, s->size + MAX_PAD, 1))
		return;
	if (sym_file_read(f, off, code, s->size) < 0) {
		for (int k = 0; k < NPATCH; k++)
			count(&patch_reasons[k], "refused: function bytes unreadable");
		return;
	}
	if (s->size < X86_JMP_LEN + 4) {
		pad = padding(f, cfi, i);
		if (pad && sym_file_read(f, off + s->size, code + s->size, pad) < 0)
			pad = 0;
	}
	for (size_t j = i + 1; j < sym_count(f) && sym_at(f, j)->addr < s->addr + s->size; j++) {
		if (sym_at(f, j)->addr == s->addr)
			continue;
		if (!grow((void **)&entries, &entries_cap, n + 1, sizeof(*entries)))
			return;
		entries[n++] = sym_at(f, j)->addr - s->addr;
	}
	fn = (struct x86_func){.code = code,
			       .size = s->size,
			       .pad = pad,
			       .vaddr = s->addr,
			       .entries = entries,
			       .nentries = n,
			       .read = read_image,
			       .ctx = f};
	for (int k = 0; k < NPATCH; k++) {
		if (x86_patch_analyze(&fn, 0, patch_mode[k], &p) < 0)
			continue;
		if (p.verdict != X86_PATCH_OK) {
			tally_patch(k, &p);
			continue;
		}
		patched[k][cls]++;
		for (int b = 0; b < 8; b++)
			if (p.flags & (1u << b))
				patch_flags[k][b]++;
	}
}

static void classify_file(const char *path)
{
	Dwarf_CFI *cfi = NULL;
	struct sym_file *f;
	Elf *elf = NULL;
	size_t i, n;
	int err = 0, fd;

	f = sym_file_open(path, &err);
	if (!f) {
		skipped++;
		return;
	}
	if (sym_file_machine(f) != 62 /* EM_X86_64 */) {
		sym_file_free(f);
		skipped++;
		return;
	}
	files++;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (elf = elf_begin(fd, ELF_C_READ_MMAP, NULL)))
		cfi = dwarf_getcfi_elf(elf);
	n = sym_count(f);
	for (i = 0; i < n; i++) {
		const struct sym_symbol *s = sym_at(f, i);
		uint8_t bytes[X86_MAX_INSN];
		struct x86_insn insn;
		uint64_t off;
		size_t len;

		if (!s->size || (s->origin & SYM_FROM_PLT))
			continue;
		if (sym_vaddr_to_offset(f, s->addr, SYM_NEED_EXEC, &off) < 0)
			continue;
		for (len = sizeof(bytes); len > 0; len--)
			if (sym_file_read(f, off, bytes, len) == 0)
				break;
		symbols++;
		if (!len) {
			unreadable++;
			continue;
		}
		if (x86_is_int3(bytes[0])) {
			counts[X86_REFUSE]++;
			tally(X86_REFUSE, "refused: an int3 is already there in the file");
		} else if (x86_analyze(bytes, len, s->addr, &insn) < 0) {
			counts[X86_REFUSE]++;
			tally(X86_REFUSE, "refused: does not decode");
			insn.cls = X86_REFUSE;
		} else {
			counts[insn.cls]++;
			tally(insn.cls, insn.reason);
		}
		patch_site(f, cfi, i, off, x86_is_int3(bytes[0]) ? X86_REFUSE : insn.cls);
	}
	if (cfi)
		dwarf_cfi_end(cfi);
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	sym_file_free(f);
}

static void scan(const char *dir)
{
	struct dirent **ents;
	int n, i;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "classify: %s: %s\n", dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		FILE *fp;
		unsigned char magic[4];

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		fp = fopen(path, "rb");
		if (!fp)
			continue;
		if (fread(magic, 1, 4, fp) != 4 || memcmp(magic, "\177ELF", 4)) {
			fclose(fp);
			continue;
		}
		fclose(fp);
		classify_file(path);
	}
	free(ents);
}

static int by_count(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->text, y->text);
}

static void top(struct tally *t, const char *title, size_t max)
{
	size_t i;

	qsort(t->v, t->n, sizeof(t->v[0]), by_count);
	printf("\n%s (%zu kinds):\n", title, t->n);
	for (i = 0; i < t->n && i < max; i++)
		printf("  %9lu  %6.2f%%  %s\n", t->v[i].n,
		       100.0 * (double)t->v[i].n / (double)(symbols ? symbols : 1), t->v[i].text);
}

static void print_patched(double total)
{
	static const char *flag_names[] = {
		"after endbr64",   "rip-relative operand", "relative branch",	"call last",
		"one 5+ byte nop", "jump tables read",	   "tail call trusted", "ends in padding",
	};
	unsigned long sum[NPATCH] = {0};
	int c, k;

	printf("\njump patch (in-process tier) at function entries, by trap-tier class:\n");
	printf("%-10s %10s", "tier", "sites");
	for (k = 0; k < NPATCH; k++)
		printf("  %8s%-2d %7s", "patched", k + 1, "share");
	printf("\n");
	for (c = 0; c < NCLASS; c++) {
		printf("%-10s %10lu", class_names[c], counts[c]);
		for (k = 0; k < NPATCH; k++) {
			printf("  %10lu %6.2f%%", patched[k][c],
			       counts[c] ? 100.0 * (double)patched[k][c] / (double)counts[c] : 0.0);
			sum[k] += patched[k][c];
		}
		printf("\n");
	}
	printf("\n");
	for (k = 0; k < NPATCH; k++)
		printf("patched%d, %s: %lu of %.0f, %.2f%%  (goal >= 95%%: %s)\n", k + 1,
		       patch_where[k], sum[k], total,
		       total > 0 ? 100.0 * (double)sum[k] / total : 0.0,
		       total > 0 && (double)sum[k] / total >= 0.95 ? "met" : "NOT met");
	printf("\naccepted jump patches, what they hold (share of all entries):\n");
	printf("  %-22s", "");
	for (k = 0; k < NPATCH; k++)
		printf("  %8s%-2d %7s", "patched", k + 1, "share");
	printf("\n");
	for (c = 0; c < (int)(sizeof(flag_names) / sizeof(flag_names[0])); c++) {
		printf("  %-22s", flag_names[c]);
		for (k = 0; k < NPATCH; k++)
			printf("  %10lu %6.2f%%", patch_flags[k][c],
			       total > 0 ? 100.0 * (double)patch_flags[k][c] / total : 0.0);
		printf("\n");
	}
	for (k = 0; k < NPATCH; k++) {
		char title[128];

		snprintf(title, sizeof(title), "top jump-patch refusals, patched%d (%s)", k + 1,
			 patch_where[k]);
		top(&patch_reasons[k], title, 12);
	}
}

int main(int argc, char **argv)
{
	static const int order[NCLASS] = {X86_EMULATE, X86_BOOST, X86_STEP, X86_REFUSE};
	double total, good;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: classify DIR...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		scan(argv[i]);
	total = (double)(symbols - unreadable);
	printf("ELF files: %lu x86-64 read, %lu skipped (not ET_EXEC/ET_DYN, other machine, "
	       "unreadable)\n",
	       files, skipped);
	printf("function entries (size > 0, in an executable segment): %lu (%lu unreadable)\n\n",
	       symbols, unreadable);
	printf("%-10s %10s %8s\n", "tier", "sites", "share");
	for (i = 0; i < NCLASS; i++)
		printf("%-10s %10lu %7.2f%%\n", class_names[order[i]], counts[order[i]],
		       total > 0 ? 100.0 * (double)counts[order[i]] / total : 0.0);
	good = (double)(counts[X86_EMULATE] + counts[X86_BOOST]);
	printf("\nemulated or boosted (one stop per hit): %.2f%%  (goal >= 95%%: %s)\n",
	       total > 0 ? 100.0 * good / total : 0.0,
	       total > 0 && good / total >= 0.95 ? "met" : "NOT met");
	top(&reasons[X86_REFUSE], "top refusal reasons", 10);
	top(&reasons[X86_STEP], "top reasons for a single-step", 10);
	top(&reasons[X86_EMULATE], "top emulated first instructions", 8);
	top(&reasons[X86_BOOST], "top boosted first instructions", 8);
	print_patched(total);
	return 0;
}
