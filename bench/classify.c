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
 * Built by bench/classify_sites.sh against the build's static libraries.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch/x86_64/x86.h"
#include "sym/sym.h"

#define NCLASS 4

struct reason {
	char text[X86_REASON_MAX];
	unsigned long n;
};

static struct reason *reasons[NCLASS];
static size_t nreasons[NCLASS], capreasons[NCLASS];
static unsigned long counts[NCLASS], files, skipped, symbols, unreadable;

/* A reason's kind: "refused: syscall" stays whole; operands of an instruction are cut off
 * ("emulated: push %rbp" -> "emulated: push") so that the table groups by mnemonic. */
static void tally(int cls, const char *reason)
{
	char key[X86_REASON_MAX];
	size_t i;

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
	for (i = 0; i < nreasons[cls]; i++) {
		if (!strcmp(reasons[cls][i].text, key)) {
			reasons[cls][i].n++;
			return;
		}
	}
	if (nreasons[cls] == capreasons[cls]) {
		size_t cap = capreasons[cls] ? 2 * capreasons[cls] : 64;
		struct reason *v = realloc(reasons[cls], cap * sizeof(*v));

		if (!v)
			return;
		reasons[cls] = v;
		capreasons[cls] = cap;
	}
	snprintf(reasons[cls][nreasons[cls]].text, sizeof(reasons[cls][0].text), "%s", key);
	reasons[cls][nreasons[cls]++].n = 1;
}

static void classify_file(const char *path)
{
	struct sym_file *f;
	size_t i, n;
	int err = 0;

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
			continue;
		}
		if (x86_analyze(bytes, len, s->addr, &insn) < 0) {
			counts[X86_REFUSE]++;
			tally(X86_REFUSE, "refused: does not decode");
			continue;
		}
		counts[insn.cls]++;
		tally(insn.cls, insn.reason);
	}
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

static void top(int cls, const char *title, size_t max)
{
	size_t i;

	qsort(reasons[cls], nreasons[cls], sizeof(reasons[cls][0]), by_count);
	printf("\n%s (%zu kinds):\n", title, nreasons[cls]);
	for (i = 0; i < nreasons[cls] && i < max; i++)
		printf("  %9lu  %6.2f%%  %s\n", reasons[cls][i].n,
		       100.0 * (double)reasons[cls][i].n / (double)(symbols ? symbols : 1),
		       reasons[cls][i].text);
}

int main(int argc, char **argv)
{
	static const char *names[NCLASS] = {"refused", "emulated", "boosted", "stepped"};
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
		printf("%-10s %10lu %7.2f%%\n", names[order[i]], counts[order[i]],
		       total > 0 ? 100.0 * (double)counts[order[i]] / total : 0.0);
	good = (double)(counts[X86_EMULATE] + counts[X86_BOOST]);
	printf("\nemulated or boosted (one stop per hit): %.2f%%  (goal >= 95%%: %s)\n",
	       total > 0 ? 100.0 * good / total : 0.0,
	       total > 0 && good / total >= 0.95 ? "met" : "NOT met");
	top(X86_REFUSE, "top refusal reasons", 10);
	top(X86_STEP, "top reasons for a single-step", 10);
	top(X86_EMULATE, "top emulated first instructions", 8);
	top(X86_BOOST, "top boosted first instructions", 8);
	return 0;
}
