/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef TESTS_ENGINE_HARNESS_H
#define TESTS_ENGINE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "utrace/utrace.h"
#include "../lib/tap.h"

/*
 * A set-up step that fails (starting a program, attaching the first engine, finding a symbol)
 * bails out of the test program: what would follow could only pass by accident.
 */

/* Path of a program built from tests/progs/. */
const char *prog(const char *name);
void harness_init(int argc, char **argv);
/* Start a tracee held before exec. */
pid_t spawn(const char *name, const char *arg1, const char *arg2);
/*
 * @call, a set-up step of the library under test that returns 0 or -errno: true if it
 * succeeded, else a failed check naming the call and the error.
 */
#define setup_ok(call) setup_ok_at((call), #call, __FILE__, __LINE__)
bool setup_ok_at(int r, const char *what, const char *file, int line);
/* utrace_attach(@pid, CREATE, @ops, @data), bailing out if it fails. */
struct utrace_engine *attach_or_bail(pid_t pid, const struct utrace_engine_ops *ops, void *data);
/*
 * Run reports until @pid is reaped; returns its wait status, or -1 if @pid is negative or did
 * not end within @timeout_ms (it is then killed and reaped, so that it cannot disturb the next
 * case).
 */
int run_to_exit(pid_t pid, int timeout_ms);
/*
 * SIGKILL @pid and run reports until it is reaped (by the engine or by us), so that threads
 * still traced are reaped too: a plain waitpid() would wait for them forever.  Returns the
 * wait status; bails out if it does not die.
 */
int kill_and_reap(pid_t pid);
/* Run reports for @ms milliseconds. */
void run_for(int ms);
/* /proc/PID/status fields: State's letter ('?' when gone), TracerPid, Threads (-1 when gone) */
char proc_state(pid_t pid);
int proc_tracer(pid_t pid);
int proc_threads(pid_t pid);
/* Whether every thread of @pid has TracerPid 0 (false when it is gone). */
bool untraced(pid_t pid);
/* Start @name untraced (fork + exec); returns once it has exec'd and, if @wait_ready, once it
 * has printed its "ready" line. */
pid_t start_untraced(const char *name, const char *arg1, bool wait_ready);
/* File offset of function @func in @path. */
uint64_t func_offset(const char *path, const char *func);
/*
 * Run reports until @cond(arg) holds or @ms pass.  A check that something happens waits for it
 * like this, with a deadline far beyond what it needs (10 s): a fixed run_for() window is what
 * a loaded machine overruns.
 */
bool run_until(bool (*cond)(void *arg), void *arg, int ms);
/* run_until() for /proc states: @pid in @state ('t', 'T'...), @pid untraced. */
bool run_until_state(pid_t pid, char state, int ms);
bool run_until_untraced(pid_t pid, int ms);

#endif
