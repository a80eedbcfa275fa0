/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * run: pass 5 from the command line, around a script session (src/script).
 *
 * The tool's part of a run is what the command line and stap's conventions decide: the -o
 * file (opened before anything runs; a failure to write it makes the exit status 1), the
 * words of -c (wordexp, no command substitution; a command that cannot be split is an error
 * only when the script runs), the -G assignments (a global that is not in the script, or a
 * value that is not a number, stops the run), USTAP_RANDOM_SEED (so that tests of randint()
 * are reproducible), and the messages: the session's errors and warnings are stap's "ERROR: "
 * and "WARNING: " lines on stderr (warnings dropped with -w), its own failures and, with -v,
 * how each probe site runs are "ustap: " lines.  The engine's and the probe layers' warnings
 * (utrace_set_print) are "WARNING: " lines too, and their details "ustap: " lines with -vv.  After runtime errors come stap's "Number of
 * errors" warning and "Pass 5: run failed." line, and exit status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "utrace/script.h"
#include "utrace/utrace.h"

struct sink {
	FILE *out;
	const struct ustap_run_opts *o;
};

static void put(void *data, const char *buf, size_t len)
{
	struct sink *k = data;

	fwrite(buf, 1, len, k->out);
}

static void flush(void *data)
{
	struct sink *k = data;

	fflush(k->out);
}

static void say(void *data, enum script_msg kind, const char *text)
{
	struct sink *k = data;

	switch (kind) {
	case SCRIPT_MSG_ERROR:
		fprintf(stderr, "ERROR: %s\n", text);
		break;
	case SCRIPT_MSG_WARNING:
		if (!k->o->suppress_warnings)
			fprintf(stderr, "WARNING: %s\n", text);
		break;
	case SCRIPT_MSG_INFO:
		if (k->o->verbose)
			fprintf(stderr, "ustap: %s\n", text);
		break;
	case SCRIPT_MSG_FAILURE:
		fprintf(stderr, "ustap: %s\n", text);
		break;
	}
}

/* The engine and probe layers' own messages (utrace_set_print), in the same words. */
static bool library_warnings = true;

static void library_log(enum utrace_log_level level, const char *msg)
{
	if (level <= UTRACE_LOG_WARN) {
		if (library_warnings)
			fprintf(stderr, "WARNING: %s\n", msg);
	} else {
		fprintf(stderr, "ustap: %s\n", msg);
	}
}

int ustap_split_command(const char *cmd, wordexp_t *we)
{
	int r = wordexp(cmd, we, WRDE_NOCMD | WRDE_SHOWERR);

	if (r == 0 && we->we_wordc == 0) {
		wordfree(we);
		return -EINVAL;
	}
	return r == 0 ? 0 : -EINVAL;
}

static int set_globals(struct script_session *s, const struct ustap_run_opts *o)
{
	for (unsigned i = 0; i < o->nglobals; i++) {
		char name[256];
		const char *arg = o->globals[i], *eq = strchr(arg, '=');
		int r;

		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
		r = script_session_set_global(s, name, eq + 1);
		if (r == -ENOENT) {
			fprintf(stderr, "ustap: -G %s: no scalar global '%s' in the script\n", arg,
				name);
			return -1;
		}
		if (r < 0) {
			fprintf(stderr, "ustap: -G %s: '%s' is not a number\n", arg, eq + 1);
			return -1;
		}
	}
	return 0;
}

int ustap_run(const struct vm_program *prog, const struct ustap_run_opts *o)
{
	struct sink k = {.out = stdout, .o = o};
	struct script_opts so = {
		.output = put,
		.flush = flush,
		.message = say,
		.data = &k,
		.target_argv = o->target_argv,
		.target_pid = o->target,
		.timeout_ns = (uint64_t)o->timeout * 1000000000ull,
		.guru = o->guru,
		.tier = o->trap_tier ? SCRIPT_TIER_TRAP : SCRIPT_TIER_AUTO,
	};
	const char *seed = getenv("USTAP_RANDOM_SEED");
	struct script_session *s = NULL;
	int status = 1, n;

	if (o->output) {
		k.out = fopen(o->output, "we");
		if (!k.out) {
			fprintf(stderr, "ustap: cannot open output file '%s': %s\n", o->output,
				strerror(errno));
			return 1;
		}
	}
	library_warnings = !o->suppress_warnings;
	utrace_set_print(library_log, o->verbose > 1 ? UTRACE_LOG_INFO : UTRACE_LOG_WARN);
	if (seed && *seed) {
		so.fixed_seed = true;
		so.seed = strtoull(seed, NULL, 0);
	}
	if (script_session_new(prog, &so, &s) < 0 || set_globals(s, o) < 0)
		goto out;
	if (o->target_cmd && !o->target_argv) {
		fprintf(stderr, "ERROR: cannot parse the command '%s'\n", o->target_cmd);
		goto out;
	}
	n = script_session_run(s);
	if (n >= 0)
		status = n ? 1 : 0;
	if (n > 0 || (n == 0 && script_session_skipped(s)))
		fprintf(stderr, "WARNING: Number of errors: %d, skipped probes: %" PRIu64 "\n", n,
			script_session_skipped(s));
	if (n > 0)
		fprintf(stderr, "Pass 5: run failed.  [man error::pass5]\n");
out:
	script_session_free(s);
	if (k.out != stdout && fclose(k.out) != 0)
		status = 1;
	return status;
}
