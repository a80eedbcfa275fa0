/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ustap: SystemTap scripts against user-space programs, with stap's command line.
 *
 * This main reads the options, the script (a file, "-" for standard input, or -e TEXT, whose
 * name is "<input>" as in stap) and the script arguments ($1..$N), then runs the passes up to
 * -p N: 1 parse, 2 elaborate, 3 translate, 4 load, 5 run.  -p 1 prints the parse tree as stap
 * -p1 does, -p 2 the elaborated script (globals, functions, probes with their types), -p 3 the
 * bytecode; -p 4 stops before anything is loaded and prints nothing; without -p the script
 * runs (run.c).  -l and -L elaborate "probe PP {}" and list the points (list.c).  With -c or
 * -x, pass 2 knows the target's executable, for process probes written without a path.  Every diagnostic of a pass goes to stderr, then stap's "Pass N: ...
 * failed." line, exit 1.  -D sets the limits (MAXACTION, MAXSTRINGLEN, MAXMAPENTRIES,
 * MAXNESTING; other names are accepted and ignored, as stap passes them to the compiler).
 * Usage errors follow getopt's words and stap's hint, exit 1.
 */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lang/codegen.h"
#include "lang/parse.h"
#include "lang/sema/sema.h"
#include "vm/vm.h"
#include "list.h"
#include "run.h"
#include "target.h"
#include "util/strbuf.h"

struct ustap_opts {
	int last_pass;
	int verbose;
	const char *script_text;
	const char *script_file;
	const char *list_probe;
	bool list_vars;
	bool dump_functions;
	const char *target_cmd;
	long target_pid;
	const char *output;
	bool guru;
	bool suppress_warnings;
	bool skip_badvars;
	long timeout;
	const char **args;
	unsigned nargs;
	const char *globals[64];
	unsigned nglobals;
	struct sema_limits limits;
};

enum {
	OPT_DUMP_FUNCTIONS = 256,
	OPT_SKIP_BADVARS,
	OPT_HELP,
	OPT_VERSION,
	OPT_LDD,
	OPT_VP,
	OPT_RUNTIME,
	OPT_PRIVILEGE,
	OPT_COMPATIBLE,
	OPT_SUPPRESS_HANDLER_ERRORS,
	OPT_SUPPRESS_TIME_LIMITS,
	OPT_UNPRIVILEGED,
};

static const struct option long_opts[] = {
	{"dump-functions", no_argument, NULL, OPT_DUMP_FUNCTIONS},
	{"skip-badvars", no_argument, NULL, OPT_SKIP_BADVARS},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{"ldd", no_argument, NULL, OPT_LDD},
	{"vp", required_argument, NULL, OPT_VP},
	{"runtime", required_argument, NULL, OPT_RUNTIME},
	{"privilege", required_argument, NULL, OPT_PRIVILEGE},
	{"compatible", required_argument, NULL, OPT_COMPATIBLE},
	{"suppress-handler-errors", no_argument, NULL, OPT_SUPPRESS_HANDLER_ERRORS},
	{"suppress-time-limits", no_argument, NULL, OPT_SUPPRESS_TIME_LIMITS},
	{"unprivileged", no_argument, NULL, OPT_UNPRIVILEGED},
	{NULL, 0, NULL, 0},
};

static const char short_opts[] = ":hVvp:e:c:x:o:G:D:T:gwWl:L:kud:I:s:btm:r:a:P";

static void usage(FILE *f)
{
	fprintf(f, "Usage: ustap [options] FILE [ARGS ...]     Run script in file.\n"
		   "   or: ustap [options] -                   Run script on stdin.\n"
		   "   or: ustap [options] -e SCRIPT [ARGS ...] Run given script.\n"
		   "   or: ustap [options] -l PROBE            List matching probes.\n"
		   "   or: ustap [options] -L PROBE            List probes and their variables.\n"
		   "\n"
		   "Options:\n"
		   "   -p NUM     stop after pass NUM 1-5: parse, elaborate, translate, load, run\n"
		   "   -e SCRIPT  run the given script instead of a file\n"
		   "   -v         more verbose (repeatable)\n"
		   "   -c CMD     start the probes, run CMD, exit when CMD finishes; target() is "
		   "its pid\n"
		   "   -x PID     set target() to PID\n"
		   "   -o FILE    send the script's output to FILE\n"
		   "   -G VAR=VAL set global variable VAR to VAL\n"
		   "   -D NM=VAL  set a limit such as MAXACTION or MAXSTRINGLEN\n"
		   "   -T SECS    terminate the session after SECS seconds\n"
		   "   -g         guru mode: allow embedded C and writes to $variables\n"
		   "   -w         suppress warnings\n"
		   "   -l PROBE   list probes matching PROBE\n"
		   "   -L PROBE   list probes matching PROBE and their context variables\n"
		   "   --dump-functions  list the available functions\n"
		   "   --skip-badvars    substitute 0 for unresolvable $variables\n"
		   "   -h, --help        show this help\n"
		   "   -V, --version     show the version\n");
}

static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "ustap: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nTry '--help' for more information.\n");
	return 1;
}

static bool parse_long(const char *s, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || !*s || *end)
		return false;
	*ret = v;
	return true;
}

static bool valid_assignment(const char *s)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s)
		return false;
	for (const char *c = s; c < eq; c++)
		if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (c > s && *c >= '0' && *c <= '9')))
			return false;
	return true;
}

/* -D NAME=VALUE for the limits we enforce; other names are ignored. */
static int set_limit(struct sema_limits *l, const char *arg)
{
	static const struct {
		const char *name;
		size_t off;
		long min;
	} names[] = {
		{"MAXACTION", offsetof(struct sema_limits, maxaction), 1},
		{"MAXSTRINGLEN", offsetof(struct sema_limits, maxstringlen), 2},
		{"MAXMAPENTRIES", offsetof(struct sema_limits, maxmapentries), 1},
		{"MAXNESTING", offsetof(struct sema_limits, maxnesting), 0},
	};
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long v;

		if (strlen(names[i].name) != n || strncmp(arg, names[i].name, n))
			continue;
		if (!eq || !parse_long(eq + 1, &v) || v < names[i].min || v > 1000000000L)
			return -1;
		*(int64_t *)((char *)l + names[i].off) = v;
	}
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, struct ustap_opts *o)
{
	char bad[64];
	int c;

	opterr = 0;
	o->last_pass = 5;
	o->limits.maxaction = 1000;
	o->limits.maxstringlen = 512;
	o->limits.maxmapentries = 2048;
	o->limits.maxnesting = 10;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case 'V':
		case OPT_VERSION:
			printf("utrace ustap (SystemTap language for user space) version %s\n",
			       UTRACE_VERSION);
			return 0;
		case 'v':
			o->verbose++;
			break;
		case 'p': {
			long n;

			if (!parse_long(optarg, &n) || n < 1 || n > 5) {
				fprintf(stderr, "Invalid pass number (should be 1-5).\n");
				return 1;
			}
			o->last_pass = (int)n;
			break;
		}
		case 'e':
			if (o->script_text)
				return usage_error("%s", "only one -e script may be given");
			o->script_text = optarg;
			break;
		case 'c':
			o->target_cmd = optarg;
			break;
		case 'x':
			if (!parse_long(optarg, &o->target_pid) || o->target_pid <= 0) {
				fprintf(stderr, "Invalid target process ID number.\n");
				return 1;
			}
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'G':
			if (!valid_assignment(optarg))
				return usage_error("invalid -G argument '%s' (expected VAR=VALUE)",
						   optarg);
			if (o->nglobals == sizeof(o->globals) / sizeof(o->globals[0]))
				return usage_error("too many -G options%s", "");
			o->globals[o->nglobals++] = optarg;
			break;
		case 'D':
			if (!*optarg || *optarg == '=')
				return usage_error(
					"invalid -D argument '%s' (expected NAME[=VALUE])", optarg);
			if (set_limit(&o->limits, optarg) < 0)
				return usage_error("invalid -D argument '%s' (expected a positive "
						   "number)",
						   optarg);
			break;
		case 'T':
			if (!parse_long(optarg, &o->timeout) || o->timeout <= 0)
				return usage_error("invalid -T argument '%s' (expected seconds)",
						   optarg);
			break;
		case 'g':
			o->guru = true;
			break;
		case 'w':
			o->suppress_warnings = true;
			break;
		case 'l':
		case 'L':
			o->list_probe = optarg;
			o->list_vars = c == 'L';
			break;
		case OPT_DUMP_FUNCTIONS:
			o->dump_functions = true;
			break;
		case OPT_SKIP_BADVARS:
			o->skip_badvars = true;
			break;
		case ':':
			if (optopt) {
				snprintf(bad, sizeof(bad), "%c", optopt);
				return usage_error("option requires an argument -- '%s'", bad);
			}
			return usage_error("option '%s' requires an argument", argv[optind - 1]);
		case '?':
			if (optopt) {
				snprintf(bad, sizeof(bad), "%c", optopt);
				return usage_error("invalid option -- '%s'", bad);
			}
			return usage_error("unrecognized option '%s'", argv[optind - 1]);
		default:
			/* Accepted for stap compatibility; meaningless before pass 2 exists. */
			break;
		}
	}
	if (!o->script_text && !o->list_probe && !o->dump_functions) {
		if (optind >= argc) {
			fprintf(stderr, "A script must be specified.\n"
					"Try '--help' for more information.\n");
			return 1;
		}
		o->script_file = argv[optind++];
	}
	o->args = (const char **)argv + optind;
	o->nargs = (unsigned)(argc - optind);
	return -1;
}

static int read_all(FILE *f, struct strbuf *sb)
{
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_append(sb, buf, n);
	return ferror(f) ? -EIO : 0;
}

/* The script's text into *sb and its name into *ret_name; reports and returns -errno. */
static int load_script(const struct ustap_opts *o, struct strbuf *sb, struct strbuf *probe,
		       const char **ret_name)
{
	FILE *f;
	int err;

	if (o->list_probe) {
		sb_printf(probe, "probe %s {}", o->list_probe);
		sb_append(sb, probe->buf, probe->len);
		*ret_name = "<input>";
		return 0;
	}
	if (o->script_text) {
		sb_append(sb, o->script_text, strlen(o->script_text));
		*ret_name = "<input>";
		return 0;
	}
	if (!strcmp(o->script_file, "-")) {
		*ret_name = "<input>";
		return read_all(stdin, sb);
	}
	f = fopen(o->script_file, "r");
	if (!f) {
		err = -errno;
		fprintf(stderr,
			err == -ENOENT ? "Input file '%s' is missing.\n"
				       : "Input file '%s' can't be opened for reading.\n",
			o->script_file);
		return err;
	}
	err = read_all(f, sb);
	fclose(f);
	if (err < 0)
		fprintf(stderr, "Input file '%s' can't be opened for reading.\n", o->script_file);
	*ret_name = o->script_file;
	return err;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void print_diags(const struct diag_list *dl, bool suppress_warnings)
{
	struct strbuf sb = {0};

	for (const struct diag *d = dl->head; d; d = d->next)
		if (!(suppress_warnings && d->severity == DIAG_WARNING))
			diag_render_one(d, &sb);
	fputs(sb_str(&sb), stderr);
	sb_release(&sb);
}

/* The result of -p N, to stdout or -o FILE; returns the exit status. */
static int write_dump(const struct ustap_opts *o, const struct strbuf *dump)
{
	FILE *out = stdout;

	if (o->output) {
		out = fopen(o->output, "w");
		if (!out) {
			fprintf(stderr, "ustap: cannot open output file '%s': %s\n", o->output,
				strerror(errno));
			return 1;
		}
	}
	fputs(sb_str(dump), out);
	if (out != stdout)
		return fclose(out) != 0;
	return fflush(out) != 0;
}

/* Passes 2 to 5; returns the exit status. */
static int later_passes(const struct ustap_opts *o, struct ast_file *file,
			const struct timespec *t0)
{
	struct diag_list dl = {0};
	struct sema_program *sp = NULL;
	struct vm_program *prog = NULL;
	struct strbuf dump = {0};
	struct sema_limits limits = o->limits;
	char exe[4096];
	int rc = 1, err;

	if ((o->target_cmd || o->target_pid) &&
	    target_path(o->target_cmd, o->target_pid, exe, sizeof(exe)) == 0)
		limits.target_path = exe;
	limits.skip_badvars = o->skip_badvars;
	limits.guru = o->guru;
	err = sema_elaborate(file, &limits, &dl, &sp);
	print_diags(&dl, o->suppress_warnings);
	diag_release(&dl);
	if (err < 0) {
		fprintf(stderr, "Pass 2: analysis failed.  [man error::pass2]\n");
		goto out;
	}
	if (o->list_probe) {
		rc = ustap_list(sp, o->list_vars, stdout);
		goto out;
	}
	if (o->verbose)
		fprintf(stderr,
			"Pass 2: analyzed script: %u probes, %u functions, %u globals in "
			"%.0freal ms.\n",
			sp->nprobes, sp->nfuncs, sp->globals.n, ms_since(t0));
	if (o->last_pass == 2) {
		sema_print(sp, o->verbose, &dump);
		rc = write_dump(o, &dump);
		goto out;
	}
	err = codegen(sp, &dl, &prog);
	print_diags(&dl, o->suppress_warnings);
	diag_release(&dl);
	if (err < 0) {
		fprintf(stderr, "Pass 3: translation failed.  [man error::pass3]\n");
		goto out;
	}
	if (o->verbose)
		fprintf(stderr, "Pass 3: translated to bytecode in %.0freal ms.\n", ms_since(t0));
	if (o->last_pass == 3) {
		vm_program_dump(prog, &dump);
		rc = write_dump(o, &dump);
		goto out;
	}
	if (o->last_pass == 4) {
		rc = 0;
		goto out;
	}
	{
		struct ustap_run_opts ro = {
			.output = o->output,
			.timeout = o->timeout,
			.globals = o->globals,
			.nglobals = o->nglobals,
			.target = o->target_pid,
			.target_cmd = o->target_cmd,
			.verbose = o->verbose,
			.suppress_warnings = o->suppress_warnings,
		};

		rc = ustap_run(prog, &ro);
	}
out:
	vm_program_free(prog);
	sb_release(&dump);
	return rc;
}

int main(int argc, char **argv)
{
	struct ustap_opts o = {0};
	struct strbuf text = {0}, probe = {0}, dump = {0};
	struct diag_list dl = {0};
	struct ast_file *file = NULL;
	struct parse_options popt = {0};
	struct lex_file src;
	struct timespec t0;
	const char *name = NULL;
	int rc = parse_options(argc, argv, &o);
	int err;

	if (rc >= 0)
		return rc;
	rc = 0;
	if (o.dump_functions) {
		fprintf(stderr, "ustap: --dump-functions is not implemented yet\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (load_script(&o, &text, &probe, &name) < 0) {
		fprintf(stderr, "Pass 1: parse failed.\n");
		rc = 1;
		goto out;
	}
	src.name = name;
	src.text = sb_str(&text);
	src.len = text.len;
	popt.args = o.args;
	popt.nargs = o.nargs;
	popt.guru = o.guru;
	err = parse_file(&src, &popt, &dl, &file);
	print_diags(&dl, o.suppress_warnings);
	if (err < 0) {
		if (err == -ENOMEM)
			fprintf(stderr, "ustap: out of memory\n");
		fprintf(stderr, "Pass 1: parse failed.\n");
		rc = 1;
		goto out;
	}
	if (o.verbose)
		fprintf(stderr,
			"Pass 1: parsed user script and 0 library scripts in %.0freal ms.\n",
			ms_since(&t0));
	if (o.last_pass == 1 && !o.list_probe) {
		sb_append(&dump, "# parse tree dump\n", 18);
		ast_print_file(file, &dump);
		sb_putc(&dump, '\n');
		rc = write_dump(&o, &dump);
		goto out;
	}
	rc = later_passes(&o, file, &t0);
out:
	ast_file_free(file);
	diag_release(&dl);
	sb_release(&text);
	sb_release(&probe);
	sb_release(&dump);
	return rc;
}
