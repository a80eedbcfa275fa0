/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef TESTS_ENGINE_HARNESS_H
#define TESTS_ENGINE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "utrace/utrace.h"
#include "../lib/tap.h"

/* Path of a program built from tests/progs/. */
const char *prog(const char *name);
void harness_init(int argc, char **argv);
/* Start a tracee held before exec. */
pid_t spawn(const char *name, const char *arg1, const char *arg2);
/* Run reports until @pid is reaped; returns its wait status, or -1 on timeout. */
int run_to_exit(pid_t pid, int timeout_ms);
/* Run reports for @ms milliseconds. */
void run_for(int ms);
/* /proc/PID/status fields */
char proc_state(pid_t pid);
int proc_tracer(pid_t pid);
/* Start @name untraced (fork + exec), reading its "ready" line if @wait_ready. */
pid_t start_untraced(const char *name, const char *arg1, bool wait_ready);
/* File offset of function @func in @path, 0 if not found. */
uint64_t func_offset(const char *path, const char *func);
/* Run reports until @cond(arg) holds or @ms pass. */
bool run_until(bool (*cond)(void *arg), void *arg, int ms);

#endif
