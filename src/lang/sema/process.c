/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * process: resolving process probe points against the files they name (stap's utrace and
 * uprobes families, spec section 1.1).
 *
 *	process[("PATH" | PID)] .begin | .end | .thread.begin | .thread.end
 *	                        .syscall[.return]
 *	                        [.library("LIB")] .function("PATTERN")[.call | .return]
 *	                        [.library("LIB")] .plt[("PATTERN")][.return]
 *	                        [.library("LIB")] [.provider("PROV")] .mark("PATTERN")
 *
 * PATH is found as a shell would (with a '/', relative to the current directory; otherwise on
 * $PATH) and canonicalized; process(PID) names /proc/PID/exe; a bare process means the -c/-x
 * target, whose path the driver passes in sema_limits.target_path (events need none: they
 * fire for every traced process).  LIB is a path or a library name found where the dynamic
 * linker looks (sym_find_library without a running process).
 *
 * Functions come from the ELF symbol tables (sym): a glob gives one point per matching
 * function, in address order, each with its file offset, and fires at the function's first
 * instruction (prologue skipping needs DWARF and is a later step, like $parameters).  An
 * exact name that is missing gives stap's "no match" with up to five similar names by edit
 * distance.  Each point's text is the expansion pp() prints ("process("/abs/probed").function(
 * "fact")"); the point as written is kept for -p2's "<- " comment and pn().
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lang/sema/sema.h"
#include "sym/dwarf.h"
#include "sym/sym.h"
#include "util/path.h"

struct proc_spec {
	const struct ast_probe_point *pp;
	enum vm_proc_event event;
	const char *path_arg;
	int64_t pid;
	const char *lib;
	const char *pattern;
	const char *provider;
	bool call;
	bool inline_;	/* .inline: only the inlined instances; .function has both, .call none */
	bool statement; /* .statement("FUNC@FILE:LINE"): event FUNCTION at a line's address */
	const struct token *pattern_tok;
};

struct sema_point *sema_point_add(struct sema_program *p, struct sema_probe *sp)
{
	if (sp->npoints == sp->cap) {
		unsigned cap = sp->cap ? sp->cap * 2 : 4;
		struct sema_point *v = arena_zalloc(p->arena, cap * sizeof(*v));

		if (sp->npoints)
			memcpy(v, sp->points, sp->npoints * sizeof(*v));
		sp->points = v;
		sp->cap = cap;
	}
	return memset(&sp->points[sp->npoints++], 0, sizeof(*sp->points));
}

static const char *str_arg(const struct ast_pp_comp *c)
{
	return c->arg && c->arg->kind == AST_E_STRING ? c->arg->str.value : NULL;
}

static bool is(const struct ast_pp_comp *c, const char *name)
{
	return !strcmp(c->functor, name);
}

/* The components after process(...); NULL or the reason, *where set. */
static const char *parse_spec(const struct ast_probe_point *pp, struct proc_spec *s,
			      const struct token **where)
{
	const struct ast_pp_comp *c = pp->comps;
	unsigned i = 1, n = pp->ncomps;

	s->pp = pp;
	if (c[0].arg && c[0].arg->kind == AST_E_NUMBER)
		s->pid = c[0].arg->num.value;
	else if (c[0].arg)
		s->path_arg = str_arg(&c[0]);
	*where = c[0].tok;
	if (n < 2)
		return "probe point mismatch (similar: begin, end, thread, syscall, function, plt, "
		       "mark)";
	*where = c[1].tok;
	if (is(&c[1], "begin") || is(&c[1], "end")) {
		s->event = is(&c[1], "begin") ? VM_PROC_BEGIN : VM_PROC_END;
		i = 2;
	} else if (is(&c[1], "thread")) {
		if (n < 3 || !(is(&c[2], "begin") || is(&c[2], "end"))) {
			*where = n < 3 ? c[1].tok : c[2].tok;
			return "probe point mismatch (similar: begin, end)";
		}
		s->event = is(&c[2], "begin") ? VM_PROC_THREAD_BEGIN : VM_PROC_THREAD_END;
		i = 3;
	} else if (is(&c[1], "syscall")) {
		s->event = VM_PROC_SYSCALL;
		i = 2;
		if (n > 2 && is(&c[2], "return")) {
			s->event = VM_PROC_SYSCALL_RETURN;
			i = 3;
		}
	} else {
		if (is(&c[i], "library")) {
			s->lib = str_arg(&c[i]);
			if (!s->lib)
				return "library requires a string argument";
			if (++i >= n)
				return "probe point mismatch (similar: function, plt, mark)";
		}
		*where = c[i].tok;
		if (is(&c[i], "provider")) {
			s->provider = str_arg(&c[i]);
			if (!s->provider)
				return "provider requires a string argument";
			if (++i >= n || !is(&c[i], "mark"))
				return "probe point mismatch (similar: mark)";
			*where = c[i].tok;
		}
		s->pattern_tok = c[i].tok;
		if (is(&c[i], "function")) {
			s->event = VM_PROC_FUNCTION;
			s->pattern = str_arg(&c[i]);
			if (!s->pattern)
				return "function requires a string argument";
			i++;
			if (i < n &&
			    (is(&c[i], "call") || is(&c[i], "return") || is(&c[i], "inline"))) {
				s->call = is(&c[i], "call");
				s->inline_ = is(&c[i], "inline");
				if (is(&c[i], "return"))
					s->event = VM_PROC_RETURN;
				i++;
			}
		} else if (is(&c[i], "plt")) {
			s->event = VM_PROC_PLT;
			s->pattern = c[i].arg ? str_arg(&c[i]) : "*";
			if (!s->pattern)
				return "plt requires a string argument";
			i++;
			if (i < n && is(&c[i], "return")) {
				s->event = VM_PROC_PLT_RETURN;
				i++;
			}
		} else if (is(&c[i], "mark")) {
			s->event = VM_PROC_MARK;
			s->pattern = str_arg(&c[i]);
			if (!s->pattern)
				return "mark requires a string argument";
			i++;
		} else if (is(&c[i], "statement")) {
			s->event = VM_PROC_FUNCTION;
			s->statement = true;
			s->pattern = str_arg(&c[i]);
			if (!s->pattern)
				return "statement requires a string argument";
			i++;
		} else {
			return "probe point mismatch (similar: begin, end, thread, syscall, "
			       "function, "
			       "library, plt, mark)";
		}
	}
	if (i < n) {
		*where = c[i].tok;
		return "probe point mismatch";
	}
	return NULL;
}

/* The executable a shell would run for name, canonical; -errno. */
static int find_executable(const char *name, char *buf)
{
	char found[PATH_MAX];
	int r = path_find_program(name, found, sizeof(found));

	if (r < 0)
		return r;
	return realpath(found, buf) ? 0 : -errno;
}

unsigned sema_edit_distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned row[256], diag, up;

	if (nb > 255)
		nb = 255;
	for (size_t j = 0; j <= nb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= nb; j++) {
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[nb];
}

struct suggestion {
	const char *name;
	unsigned dist;
};

/* stap's "no match (similar functions: a, b)": the five closest names, ties by name. */
static const char *no_match(struct sema_program *p, const char *pattern, const char *what,
			    const char **names, size_t n)
{
	struct suggestion best[5];
	unsigned nbest = 0;
	struct strbuf sb = {0};
	const char *msg;

	for (size_t i = 0; i < n; i++) {
		unsigned d = sema_edit_distance(pattern, names[i]), at;
		bool dup = false;

		if (d > 5 + strlen(pattern) / 2)
			continue;
		for (unsigned k = 0; k < nbest; k++)
			dup |= !strcmp(best[k].name, names[i]);
		if (dup)
			continue;
		for (at = nbest; at > 0; at--) {
			const struct suggestion *s = &best[at - 1];

			if (s->dist < d || (s->dist == d && strcmp(s->name, names[i]) < 0))
				break;
		}
		if (at >= 5)
			continue;
		if (nbest < 5)
			nbest++;
		memmove(&best[at + 1], &best[at], (nbest - 1 - at) * sizeof(best[0]));
		best[at] = (struct suggestion){names[i], d};
	}
	sb_printf(&sb, "no match");
	for (unsigned k = 0; k < nbest; k++)
		sb_printf(&sb, "%s%s%s%s", k ? ", " : " (similar ", k ? "" : what, k ? "" : ": ",
			  best[k].name);
	if (nbest)
		sb_putc(&sb, ')');
	msg = arena_strndup(p->arena, sb_str(&sb), sb.len);
	sb_release(&sb);
	return msg;
}

struct expand {
	struct sema_program *p;
	struct sema_probe *sp;
	const struct proc_spec *s;
	const struct sym_file *f;
	const char *base; /* process("...")[.library("...")] */
	const char *proc_path;
	const char *module;
	const char *orig;
	unsigned added;
	/* The function's declaration, for pp()'s function("name@file:line"); NULL: none. */
	const char *decl_file;
	int decl_line;
};

static struct sema_point *add_point(struct expand *x, const char *func, uint64_t vaddr,
				    uint64_t offset)
{
	struct sema_point *pt = sema_point_add(x->p, x->sp);
	struct strbuf sb = {0};
	const struct proc_spec *s = x->s;

	pt->kind = SEMA_PP_PROCESS;
	pt->pp = s->pp;
	pt->event = s->event;
	pt->proc_path = x->proc_path;
	pt->proc_pid = s->pid;
	pt->module = x->module;
	pt->func = func ? arena_strndup(x->p->arena, func, strlen(func)) : "";
	pt->vaddr = vaddr;
	pt->offset = offset;
	pt->orig = x->orig;
	sb_printf(&sb, "%s", x->base);
	switch (s->event) {
	case VM_PROC_BEGIN:
		sb_printf(&sb, ".begin");
		break;
	case VM_PROC_END:
		sb_printf(&sb, ".end");
		break;
	case VM_PROC_THREAD_BEGIN:
		sb_printf(&sb, ".thread.begin");
		break;
	case VM_PROC_THREAD_END:
		sb_printf(&sb, ".thread.end");
		break;
	case VM_PROC_SYSCALL:
		sb_printf(&sb, ".syscall");
		break;
	case VM_PROC_SYSCALL_RETURN:
		sb_printf(&sb, ".syscall.return");
		break;
	case VM_PROC_FUNCTION:
	case VM_PROC_RETURN:
		if (s->statement) {
			sb_printf(&sb, ".statement(\"%s\")", func);
			break;
		}
		sb_printf(&sb, ".function(\"%s", func);
		if (x->decl_file)
			sb_printf(&sb, "@%s:%d", x->decl_file, x->decl_line);
		sb_printf(&sb, "\")%s",
			  s->event == VM_PROC_RETURN ? ".return"
			  : s->call		     ? ".call"
			  : s->inline_		     ? ".inline"
						     : "");
		break;
	case VM_PROC_PLT:
	case VM_PROC_PLT_RETURN:
		sb_printf(&sb, ".plt(\"%s\")%s", func,
			  s->event == VM_PROC_PLT_RETURN ? ".return" : "");
		break;
	case VM_PROC_MARK:
		if (s->provider)
			sb_printf(&sb, ".provider(\"%s\")", s->provider);
		sb_printf(&sb, ".mark(\"%s\")", func);
		break;
	}
	pt->text = arena_strndup(x->p->arena, sb_str(&sb), sb.len);
	sb_release(&sb);
	x->added++;
	return pt;
}

/* Whether this point of the probe already has offset off (for function name, unless NULL). */
static bool point_added(const struct expand *x, uint64_t off, const char *name)
{
	for (unsigned i = 0; i < x->sp->npoints; i++)
		if (x->sp->points[i].pp == x->s->pp && x->sp->points[i].offset == off &&
		    (!name || !strcmp(x->sp->points[i].func, name)))
			return true;
	return false;
}

/* A function point; pp() names it function("name@file:line") when the declaration is known. */
static void add_function_point(struct expand *x, const char *name, const char *decl_file,
			       int decl_line, uint64_t vaddr, uint64_t off, bool has_dwarf)
{
	if (decl_file && decl_line > 0) {
		x->decl_file = decl_file;
		x->decl_line = decl_line;
	}
	add_point(x, name, vaddr, off)->has_dwarf = has_dwarf;
	x->decl_file = NULL;
}

static int add_function(const struct sym_symbol *sym, void *data)
{
	struct expand *x = data;
	uint64_t off;

	struct sym_dwarf *dw = sema_dwarf_of(x->module);
	struct sym_dw_func df;
	uint64_t vaddr = sym->addr;
	bool has_dwarf = false;

	/* stap fires .function (and .call) after the prologue when DWARF says where it ends. */
	if (dw && sym_dwarf_func(dw, NULL, sym->addr, &df) == 0 && df.entry == sym->addr) {
		has_dwarf = true;
		if (x->s->event == VM_PROC_FUNCTION)
			vaddr = df.prologue;
	}
	if (sym_vaddr_to_offset(x->f, vaddr, SYM_NEED_EXEC, &off) < 0 ||
	    point_added(x, off, sym->name))
		return 0;
	add_function_point(x, sym->name, has_dwarf ? df.decl_file : NULL,
			   has_dwarf ? df.decl_line : 0, vaddr, off, has_dwarf);
	return 0;
}

static int add_mark(const struct sym_sdt_note *note, void *data)
{
	struct expand *x = data;
	struct sema_point *pt = add_point(x, note->name, note->pc, note->pc_offset);

	pt->sdt_semaphore = note->semaphore_offset;
	if (note->args_err < 0 || !note->nargs)
		return 0;
	pt->sdt_args = arena_zalloc(x->p->arena, note->nargs * sizeof(*pt->sdt_args));
	pt->sdt_nargs = (unsigned)note->nargs;
	for (size_t i = 0; i < note->nargs; i++) {
		const struct sym_sdt_arg *a = &note->argv[i];
		struct rt_sdt_arg *d = &pt->sdt_args[i];

		d->kind = a->kind == SYM_SDT_ARG_CONST ? RT_SDT_CONST
			  : a->kind == SYM_SDT_ARG_REG ? RT_SDT_REG
						       : RT_SDT_MEM;
		d->size = a->size;
		d->is_signed = a->is_signed;
		d->reg = (int8_t)a->reg;
		d->index_reg = (int8_t)a->index_reg;
		d->scale = a->scale;
		d->value = a->value;
		d->unsupported = a->disp_sym != NULL || a->is_float;
	}
	return 0;
}

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int add_inline(const char *name, const char *decl_file, int decl_line, uint64_t pc,
		      void *data)
{
	struct expand *x = data;
	uint64_t off;

	if (sym_vaddr_to_offset(x->f, pc, SYM_NEED_EXEC, &off) < 0 || point_added(x, off, NULL))
		return 0;
	add_function_point(x, name, decl_file, decl_line, pc, off, true);
	return 0;
}

/* stap's .function matches the inlined copies of a function too (at their entry pc). */
static void expand_inlines(struct expand *x)
{
	struct sym_dwarf *dw = sema_dwarf_of(x->module);

	if (dw && x->s->event == VM_PROC_FUNCTION && !x->s->call)
		sym_dwarf_inlines(dw, x->s->pattern, add_inline, x);
}

static const char *expand_functions(struct expand *x)
{
	const char **names;
	size_t n = sym_count(x->f);
	const char *why;
	int r = 0;

	if (x->s->inline_) {
		expand_inlines(x);
		return x->added ? NULL : "no match (no inlined instance of that function)";
	}
	if (is_glob(x->s->pattern)) {
		r = sym_glob(x->f, x->s->pattern, add_function, x);
	} else {
		const struct sym_symbol *sym;

		r = sym_lookup(x->f, x->s->pattern, &sym);
		if (r == 0)
			add_function(sym, x);
		else if (r == -ENOENT)
			r = 0;
	}
	if (r == -ENOENT)
		return "no match (the file has no symbol table)";
	expand_inlines(x);
	if (x->added)
		return NULL;
	names = calloc(n + 1, sizeof(*names));
	for (size_t i = 0; names && i < n; i++)
		names[i] = sym_at(x->f, i)->name;
	why = no_match(x->p, x->s->pattern, "functions", names, names ? n : 0);
	free(names);
	return why;
}

/* .statement("FUNC@FILE:LINE"): the first address of LINE, or of the next line with code. */
static const char *expand_statement(struct expand *x)
{
	const char *pat = x->s->pattern, *at = strchr(pat, '@'), *colon, *file;
	struct sym_dwarf *dw = sema_dwarf_of(x->module);
	char func[256], fname[1024], text[1400];
	struct sym_dw_func df;
	uint64_t addr, off;
	int line, found;

	colon = at ? strrchr(at, ':') : NULL;
	if (!at || !colon || colon[1] < '0' || colon[1] > '9' ||
	    (size_t)(at - pat) >= sizeof(func) || (size_t)(colon - at) > sizeof(fname))
		return "statement probes need \"FUNCTION@FILE:LINE\"";
	if (!dw)
		return "no DWARF for statement probes";
	snprintf(func, sizeof(func), "%.*s", (int)(at - pat), pat);
	snprintf(fname, sizeof(fname), "%.*s", (int)(colon - at - 1), at + 1);
	line = atoi(colon + 1);
	if (sym_dwarf_line_addr(dw, strcmp(func, "*") ? func : NULL, fname, line, &addr, &found) <
	    0)
		return "no match (no code at or after that line)";
	if (sym_vaddr_to_offset(x->f, addr, SYM_NEED_EXEC, &off) < 0)
		return "no match (the line's address is not in an executable segment)";
	if (sym_dwarf_func(dw, NULL, addr, &df) < 0)
		return "no match (no function at the line's address)";
	file = NULL;
	if (sym_dwarf_addr_line(dw, addr, &file, &found) < 0 || !file)
		file = fname;
	snprintf(text, sizeof(text), "%s@%s:%d", df.name ? df.name : func, file, found);
	add_point(x, text, addr, off)->has_dwarf = true;
	x->sp->points[x->sp->npoints - 1].func =
		df.name ? arena_strndup(x->p->arena, df.name, strlen(df.name)) : "";
	return NULL;
}

static const char *expand_plt(struct expand *x)
{
	size_t n = sym_plt_count(x->f);

	for (size_t i = 0; i < n; i++) {
		const struct sym_symbol *sym = sym_plt_at(x->f, i);
		uint64_t off;

		if (fnmatch(x->s->pattern, sym->name, 0) == 0 &&
		    sym_vaddr_to_offset(x->f, sym->addr, SYM_NEED_EXEC, &off) == 0)
			add_point(x, sym->name, sym->addr, off);
	}
	return x->added ? NULL : "no match";
}

/* The executable of the point; a message when it cannot be had. */
static const char *proc_path(struct sema_program *p, const struct proc_spec *s, char *buf)
{
	char link[64];
	int r;

	if (s->pid) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%lld/exe", (long long)s->pid);
		n = readlink(link, buf, PATH_MAX - 1);
		if (n < 0)
			return "cannot find the executable of that process";
		buf[n] = '\0';
		return NULL;
	}
	if (!s->path_arg) {
		if (!p->limits.target_path)
			return "a process probe without a path needs a target (-c CMD or -x PID)";
		snprintf(buf, PATH_MAX, "%s", p->limits.target_path);
		return NULL;
	}
	r = find_executable(s->path_arg, buf);
	if (r < 0) {
		struct strbuf sb = {0};
		const char *msg;

		sb_printf(&sb, "cannot find executable '%s'", s->path_arg);
		msg = arena_strndup(p->arena, sb_str(&sb), sb.len);
		sb_release(&sb);
		return msg;
	}
	return NULL;
}

static const char *printf_msg(struct sema_program *p, const char *fmt, const char *a, const char *b)
{
	struct strbuf sb = {0};
	const char *msg;

	sb_printf(&sb, fmt, a, b);
	msg = arena_strndup(p->arena, sb_str(&sb), sb.len);
	sb_release(&sb);
	return msg;
}

static const char *point_text(struct sema_program *p, const struct ast_probe_point *pp)
{
	struct strbuf sb = {0};
	const char *t;

	ast_print_probe_point(pp, &sb);
	t = arena_strndup(p->arena, sb_str(&sb), sb.len);
	sb_release(&sb);
	return t;
}

const char *sema_process_point(struct sema_program *p, struct sema_probe *sp,
			       const struct ast_probe_point *pp, const struct token **where)
{
	struct proc_spec s = {0};
	struct expand x = {.p = p, .sp = sp, .s = &s};
	char exe[PATH_MAX], *lib = NULL;
	struct sym_file *f = NULL;
	struct strbuf base = {0};
	const char *why = parse_spec(pp, &s, where);
	int err = 0;

	if (why)
		return why;
	x.orig = point_text(p, pp);
	*where = pp->comps[0].tok;
	if (s.event <= VM_PROC_SYSCALL_RETURN && !s.path_arg && !s.pid) {
		x.base = "process";
		add_point(&x, NULL, 0, 0);
		return NULL;
	}
	why = proc_path(p, &s, exe);
	if (why)
		return why;
	x.proc_path = arena_strndup(p->arena, exe, strlen(exe));
	x.module = x.proc_path;
	if (s.pid)
		sb_printf(&base, "process(%lld)", (long long)s.pid);
	else
		sb_printf(&base, "process(\"%s\")", exe);
	if (s.lib) {
		err = sym_find_library(s.lib, NULL, &lib);
		if (err < 0) {
			*where = s.pattern_tok;
			why = printf_msg(p, "cannot find library '%s'%s", s.lib,
					 strchr(s.lib, '/') ? ""
							    : " (not in LD_LIBRARY_PATH or "
							      "the system directories)");
			goto out;
		}
		sb_printf(&base, ".library(\"%s\")", lib);
		x.module = arena_strndup(p->arena, lib, strlen(lib));
	}
	x.base = arena_strndup(p->arena, sb_str(&base), base.len);
	if (s.event <= VM_PROC_SYSCALL_RETURN) {
		add_point(&x, NULL, 0, 0);
		goto out;
	}
	f = sym_file_open(x.module, &err);
	if (!f) {
		why = printf_msg(p, "cannot read '%s': %s", x.module,
				 err == -ENOEXEC ? "not an ELF executable or library"
						 : strerror(-err));
		goto out;
	}
	x.f = f;
	*where = NULL;
	if (s.statement)
		why = expand_statement(&x);
	else if (s.event == VM_PROC_FUNCTION || s.event == VM_PROC_RETURN)
		why = expand_functions(&x);
	else if (s.event == VM_PROC_PLT || s.event == VM_PROC_PLT_RETURN)
		why = expand_plt(&x);
	else if (sym_sdt_glob(f, s.provider, s.pattern, add_mark, &x) < 0 || !x.added)
		why = "no match";
out:
	sym_file_free(f);
	free(lib);
	sb_release(&base);
	return why;
}
