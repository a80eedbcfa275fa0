/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * path: the PATH search of execvp(), once.  Every place that turns a command name into the
 * file that will run (spawning a command, resolving process("name") in a script) asks here,
 * so they agree on the corner cases: PATH unset, PATH="" and empty entries (the current
 * directory), a file that exists but is not executable, or is a directory (-EACCES if no
 * later entry has an executable one, as execvp reports), and names too long for the buffer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/path.h"

/* What execve would say of path: 0, or -EACCES for a directory or a file without x. */
static int runnable(const char *path)
{
	struct stat st;

	if (access(path, X_OK) < 0)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? -EACCES : 0;
}

int path_find_program(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p;
	int err = -ENOENT;

	if (!*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		if ((size_t)snprintf(buf, len, "%s", name) >= len)
			return -ENAMETOOLONG;
		return runnable(name);
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p++) {
		const char *colon = strchrnul(p, ':');
		size_t n = (size_t)(colon - p);

		if ((size_t)snprintf(buf, len, "%.*s%s%s", (int)n, p, n ? "/" : "", name) >= len) {
			err = -ENAMETOOLONG;
		} else {
			int r = runnable(buf);

			if (r == 0)
				return 0;
			if (r == -EACCES)
				err = -EACCES;
		}
		p = colon;
		if (!*p)
			break;
	}
	return err;
}
