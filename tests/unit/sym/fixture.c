/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the sym tests: reading the binutils expectation files meson.build produced and
 * running fixture programs that print an address and wait for stdin to close.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

const char *fx_env(const char *name)
{
	const char *v = getenv(name);

	if (!v)
		fail_msg("environment variable %s is not set (run through meson test)", name);
	return v;
}

static FILE *open_expect(const char *path)
{
	FILE *f = fopen(path, "re");

	if (!f)
		fail_msg("cannot open %s", path);
	return f;
}

int fx_nm(const char *nm_file, const char *name, uint64_t *ret_addr, uint64_t *ret_size)
{
	FILE *f = open_expect(nm_file);
	char line[512];
	int r = -ENOENT;

	while (fgets(line, sizeof(line), f)) {
		char a[64], b[64], c[64], d[300];
		int n = sscanf(line, "%63s %63s %63s %299s", a, b, c, d);

		if (n == 4 && !strcmp(d, name)) {
			*ret_addr = strtoull(a, NULL, 16);
			*ret_size = strtoull(b, NULL, 16);
			r = 0;
			break;
		}
		if (n == 3 && !strcmp(c, name)) {
			*ret_addr = strtoull(a, NULL, 16);
			*ret_size = 0;
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

int fx_section(const char *sections_file, const char *name, uint64_t *ret_vma, uint64_t *ret_off,
	       uint64_t *ret_size)
{
	FILE *f = open_expect(sections_file);
	char line[1024];
	int r = -ENOENT;

	while (fgets(line, sizeof(line), f)) {
		char idx[16], sec[128], size[32], vma[32], lma[32], off[32];

		if (sscanf(line, "%15s %127s %31s %31s %31s %31s", idx, sec, size, vma, lma, off) !=
			    6 ||
		    strcmp(sec, name))
			continue;
		*ret_vma = strtoull(vma, NULL, 16);
		*ret_off = strtoull(off, NULL, 16);
		*ret_size = strtoull(size, NULL, 16);
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

int fx_dis_label(const char *dis_file, const char *label, uint64_t *ret_addr)
{
	FILE *f = open_expect(dis_file);
	char line[512], want[256];
	int r = -ENOENT;

	snprintf(want, sizeof(want), "<%s>:", label);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want);

		if (p && p[strlen(want)] == '\n') {
			*ret_addr = strtoull(line, NULL, 16);
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

size_t fx_dis_plt(const char *dis_file, char names[][64], uint64_t *addrs, size_t max)
{
	FILE *f = open_expect(dis_file);
	char line[512];
	size_t n = 0;

	while (n < max && fgets(line, sizeof(line), f)) {
		char *lt = strchr(line, '<'), *end = strstr(line, "@plt>:\n");

		if (!lt || !end || end < lt)
			continue;
		snprintf(names[n], 64, "%.*s", (int)(end - lt - 1), lt + 1);
		addrs[n++] = strtoull(line, NULL, 16);
	}
	fclose(f);
	return n;
}

pid_t fx_spawn(const char *path, const char *arg, uint64_t *ret_printed, int *ret_in)
{
	int in[2], out[2];
	char line[64];
	FILE *f;
	pid_t pid;

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	f = fdopen(out[0], "r");
	assert_non_null(f);
	if (!fgets(line, sizeof(line), f)) {
		kill(pid, SIGKILL);
		fail_msg("%s printed nothing", path);
	}
	fclose(f);
	*ret_printed = strtoull(line, NULL, 16);
	*ret_in = in[1];
	return pid;
}

void fx_reap(pid_t pid, int in)
{
	int status;

	close(in);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
}
