/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ustap: SystemTap scripts against user-space programs, with stap's command line.
 *
 * This main reads the options, the script (a file, "-" for standard input, or -e TEXT, whose
 * name is "<input>" as in stap) and the script arguments ($1..$N), then runs the passes up to
 * -p N (src/lang/passes.c): 1 parse, 2 elaborate, 3 translate, 4 load, 5 run.  -p 1 to 3 print
 * their dump to stdout or -o FILE; -p 4 stops before anything is loaded and prints nothing;
 * without -p the script runs (run.c).  -l and -L list the points of "probe PP {}" on stdout.
 * With -c or -x, pass 2 knows the target's executable, for process probes written without a
 * path.  Every diagnostic of a pass goes to stderr, then stap's "Pass N: ... failed." line,
 * exit 1.  -D sets the limits (MAXACTION, MAXSTRINGLEN, MAXMAPENTRIES, MAXNESTING; other names
 * are accepted and ignored, as stap passes them to the compiler).  Usage errors follow getopt's
 * words and stap's hint, exit 1.
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

#include "run.h"
#include "utrace/script.h"

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
	bool trap_tier;
	bool suppress_warnings;
	bool skip_badvars;
	long timeout;
	const char **args;
	unsigned nargs;
	const char *globals[64];
	unsigned nglobals;
	struct script_limits limits;
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
	OPT_TIER,
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
	{"tier", required_argument, NULL, OPT_TIER},
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
		   "   --tier=TIER       where probe handlers run: 'auto' (in the target's\n"
		   "                     process where the site and the handler allow; the\n"
		   "                     default) or 'trap' (every hit stops in the tracer)\n"
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
static int set_limit(struct script_limits *l, const char *arg)
{
	static const struct {
		const char *name;
		size_t off;
		long min;
	} names[] = {
		{"MAXACTION", offsetof(struct script_limits, maxaction), 1},
		{"MAXSTRINGLEN", offsetof(struct script_limits, maxstringlen), 2},
		{"MAXMAPENTRIES", offsetof(struct script_limits, maxmapentries), 1},
		{"MAXNESTING", offsetof(struct script_limits, maxnesting), 0},
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
		case OPT_TIER:
			if (strcmp(optarg, "auto") && strcmp(optarg, "trap"))
				return usage_error(
					"invalid --tier argument '%s' (expected 'auto' or "
					"'trap')",
					optarg);
			o->trap_tier = !strcmp(optarg, "trap");
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
	f = fopen(o->script_file, "re");
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

static void report(void *data, const char *text)
{
	fputs(text, stderr);
}

/* The result of -p N, to stdout or -o FILE; returns the exit status. */
static int write_dump(const struct ustap_opts *o, const struct strbuf *dump)
{
	FILE *out = stdout;

	if (o->output) {
		out = fopen(o->output, "we");
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

/* stap's line for the pass that failed; returns the exit status. */
static int pass_failed(int pass, int err)
{
	static const char *const words[] = {
		[1] = "Pass 1: parse failed.\n",
		[2] = "Pass 2: analysis failed.  [man error::pass2]\n",
		[3] = "Pass 3: translation failed.  [man error::pass3]\n",
	};

	if (pass == 1 && err == -ENOMEM)
		fprintf(stderr, "ustap: out of memory\n");
	if (pass >= 1 && pass <= 3)
		fputs(words[pass], stderr);
	return 1;
}

int main(int argc, char **argv)
{
	struct ustap_opts o = {0};
	struct strbuf text = {0}, probe = {0};
	struct script_compile_opts po = {0};
	struct script_compiled res = {0};
	char exe[4096];
	wordexp_t words;
	bool split = false;
	int rc = parse_options(argc, argv, &o);
	int err;

	if (rc >= 0)
		return rc;
	rc = 0;
	if (o.dump_functions) {
		fprintf(stderr, "ustap: --dump-functions is not implemented yet\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &po.start);
	if (load_script(&o, &text, &probe, &po.name) < 0) {
		fprintf(stderr, "Pass 1: parse failed.\n");
		rc = 1;
		goto out;
	}
	po.text = sb_str(&text);
	po.len = text.len;
	po.last_pass = o.last_pass;
	po.list = o.list_probe != NULL;
	po.list_vars = o.list_vars;
	po.verbose = o.verbose;
	po.suppress_warnings = o.suppress_warnings;
	po.args = o.args;
	po.nargs = o.nargs;
	po.guru = o.guru;
	po.limits = o.limits;
	po.skip_badvars = o.skip_badvars;
	split = o.target_cmd && ustap_split_command(o.target_cmd, &words) == 0;
	if ((o.target_cmd ? split : o.target_pid != 0) &&
	    script_target_path(split ? words.we_wordv[0] : NULL, (pid_t)o.target_pid, exe,
			       sizeof(exe)) == 0)
		po.target_path = exe;
	po.report = report;
	err = script_compile(&po, &res);
	if (err < 0) {
		rc = pass_failed(res.failed_pass, err);
	} else if (o.list_probe) {
		fputs(sb_str(&res.dump), stdout);
		rc = fflush(stdout) != 0;
	} else if (o.last_pass <= 3) {
		rc = write_dump(&o, &res.dump);
	} else if (o.last_pass == 5) {
		struct ustap_run_opts ro = {
			.output = o.output,
			.timeout = o.timeout,
			.globals = o.globals,
			.nglobals = o.nglobals,
			.target = (pid_t)o.target_pid,
			.target_cmd = o.target_cmd,
			.target_argv = split ? words.we_wordv : NULL,
			.verbose = o.verbose,
			.suppress_warnings = o.suppress_warnings,
			.guru = o.guru,
			.trap_tier = o.trap_tier,
		};

		rc = ustap_run(res.prog, &ro);
	}
out:
	if (split)
		wordfree(&words);
	script_compiled_release(&res);
	sb_release(&text);
	sb_release(&probe);
	return rc;
}
