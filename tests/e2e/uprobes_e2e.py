#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end tests of `utrace -U` (function probes on top of uprobes, design.md sections 4, 7).

Usage: uprobes_e2e.py [--group GROUP]... [--case NAME]... --utrace PATH --progs PROG...

--group (repeatable) picks the groups to run (default: all), --case (repeatable) the case
functions within them; --progs gives the tracee programs, known by their file names.

The tracees are tests/progs' probed (the f_* functions, one per tier of a hit), dlopener with
libprobed.so, and uprobe_mix.  Each group is one Meson test
(tests/e2e/meson.build).  Every check prints one TAP line and compares exact values: hit counts,
argument and return registers, exit codes, the tracee's text against the file after a detach.
A check marked "# TODO" is a known tool bug: it is reported but does not fail the test.  The
script exits 1 if any other check failed, 77 if every case of the group was skipped, else 0.

Trace lines of -U (tools/utrace/probes.c):
    [pid N] FUNC(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)     the six argument registers (0 prints as "0")
    [pid N] FUNC = 0x2a                            rax at the return
"[pid N] " appears only while more than one thread or process is traced.
"""
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import Session, Skip, proc_status, split_prefix, wait_for  # noqa: E402

S = Session("utrace-uprobes-e2e-")
T = S.tap
spawn = S.spawn
prog = S.prog


def utrace(*args, timeout=90):
    """Run utrace -o FILE ARGS to completion; the trace is FILE's content."""
    return S.run([S.tracer] + [str(a) for a in args], timeout=timeout)


# --------------------------------------------------------------------------------------------
# Trace parsing

ENTRY_RE = re.compile(r"^(\w+)\((0x[0-9a-f]+|0)((?:, (?:0x[0-9a-f]+|0)){5})\)$")
RETURN_RE = re.compile(r"^(\w+) = (0x[0-9a-f]+|0)$")
TIER_RE = re.compile(r"^utrace: probe (\S+) \((.+):0x([0-9a-f]+)\): (\w+): (.*)$")
ANY = object()


class Hits:
    """Probe lines of a trace.  seq = [(kind, pid, name, value)] in order, kind "entry" (value:
    the first argument) or "return" (value: rax); pid is None for an unprefixed line.
    other = the bodies (prefix removed) of the other lines, other_pids their pids."""

    def __init__(self, text):
        self.seq, self.other, self.other_pids = [], [], []
        for line in text.splitlines():
            pid, body = split_prefix(line)
            e = ENTRY_RE.match(body)
            r = RETURN_RE.match(body)
            if e:
                self.seq.append(("entry", pid, e.group(1), int(e.group(2), 16)))
            elif r:
                self.seq.append(("return", pid, r.group(1), int(r.group(2), 16)))
            else:
                self.other.append(body)
                self.other_pids.append(pid)

    def _values(self, kind, name, pid):
        return [v for k, p, n, v in self.seq if k == kind and n == name and
                (pid is ANY or p == pid)]

    def args(self, name, pid=ANY):
        return self._values("entry", name, pid)

    def rets(self, name, pid=ANY):
        return self._values("return", name, pid)

    def count(self, name):
        return len(self.args(name))

    def names(self):
        return sorted({n for k, p, n, v in self.seq})

    def pids(self, name=None):
        """Distinct pids of the probe lines (of name), in order of appearance."""
        return list(dict.fromkeys(p for k, p, n, v in self.seq if name is None or n == name))


def tiers_of(stderr):
    """{probe name: tier word} from -v's "utrace: probe NAME (PATH:0xOFF): TIER: ..." lines."""
    found = {}
    for line in stderr.splitlines():
        m = TIER_RE.match(line)
        if m:
            found.setdefault(m.group(1), m.group(4))
    return found


def elf_functions(path):
    """Names of the STT_FUNC symbols of an ELF64 little-endian file's .symtab (stdlib only)."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise AssertionError(f"{path}: not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3a)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = set()
    for name, typ, flags, addr, off, size, link, info, align, entsize in secs:
        if typ != 2:  # SHT_SYMTAB
            continue
        stroff = secs[link][4]
        for i in range(size // 24):
            st_name, st_info = struct.unpack_from("<IB", data, off + i * 24)
            if st_info & 0xf == 2:  # STT_FUNC
                end = data.index(b"\0", stroff + st_name)
                names.add(data[stroff + st_name:end].decode())
    return names


def probed_expected_sum(n):
    return 5 * (n * (n - 1) // 2) + n * (1 + 2 + 3 + 4 + 5)


ALL_TIERS = {"f_riprel": "boosted", "f_nop5": "emulated", "f_endbr": "emulated",
             "f_push": "boosted", "f_step": "stepped", "f_store": "boosted"}


# --------------------------------------------------------------------------------------------
# 1. Exact hit counts on every tier

def test_tiers_counts():
    n = 1000
    args = []
    for f in ALL_TIERS:
        args += ["-U", f]
    r = utrace(*args, "--", prog("probed"), "calls", n)
    h = Hits(r.trace)
    T.exited(r.rc, 0, "probed exits 0 (its checksum: every displaced instruction ran right)", r)
    T.eq(r.out, f"{probed_expected_sum(n)} {n}\n", "probed's checksum line")
    for f in ALL_TIERS:
        T.eq(h.count(f), n, f"{f} ({ALL_TIERS[f]}): exactly {n} entry lines")
        want = [1] * n if f == "f_riprel" else list(range(n))
        T.check(h.args(f) == want, f"{f}: first argument of each call, in order",
                f"first 10: {h.args(f)[:10]}")
    T.eq(h.names(), sorted(ALL_TIERS), "no other function in the trace")
    T.eq(h.other, ["+++ exited with 0 +++"], "the only other line is the exit")


def test_tiers_verbose():
    args = []
    for f in ALL_TIERS:
        args += ["-U", f]
    r = utrace("-v", *args, "--", prog("probed"), "calls", 3)
    T.exited(r.rc, 0, "exit code 0", r)
    T.eq(tiers_of(r.err), ALL_TIERS, "-v names the tier of each site", r.err)
    h = Hits(r.trace)
    for f in ALL_TIERS:
        T.eq(h.count(f), 3, f"{f}: 3 hits under -v")
    want = {"f_riprel": r"mov .*\(%rip\), %rax", "f_store": r"mov %rdi, .*\(%rip\)",
            "f_push": r"push %rbp", "f_endbr": r"endbr64", "f_step": r"jmp .*\(%rip\)"}
    for line in r.err.splitlines():
        m = TIER_RE.match(line)
        if m and m.group(1) in want:
            T.check(re.search(want[m.group(1)], m.group(5)),
                    f"{m.group(1)}: -v shows its first instruction", line)
            want.pop(m.group(1))
    T.eq(sorted(want), [], "every expected instruction was shown")


# --------------------------------------------------------------------------------------------
# 2. Return probes

def test_return_fact5():
    r = utrace("-U", "fact", "-U", "fact%return", "--", prog("probed"), "recurse", 5)
    T.exited(r.rc, 0, "exit code 0", r)
    T.eq(r.out, "120\n", "fact(5) = 120 under the probes")
    h = Hits(r.trace)
    got = [(kind, name, v) for kind, pid, name, v in h.seq]
    want = [("entry", "fact", a) for a in (5, 4, 3, 2, 1)] + \
           [("return", "fact", v) for v in (0x1, 0x2, 0x6, 0x18, 0x78)]
    T.eq(got, want, "entries rdi 5,4,3,2,1 then returns 0x1,0x2,0x6,0x18,0x78 in order",
         r.trace)
    T.eq(h.other, ["+++ exited with 0 +++"], "nothing else in the trace")


def test_return_longjmp():
    r = utrace("-U", "deep", "-U", "deep%return", "--", prog("probed"), "recurse", 10)
    T.exited(r.rc, 0, "exit code 0 after longjmp out of 11 hijacked frames", r)
    T.eq(r.out, "3628800\n", "fact(10) printed after the longjmp")
    h = Hits(r.trace)
    T.eq(h.args("deep"), list(range(10, -1, -1)), "deep entries: rdi 10 down to 0")
    T.eq(h.rets("deep"), [], "no return line for deep (it never returns)")
    T.eq(h.other, ["+++ exited with 0 +++"], "no crash: the trace ends with exit 0")


def test_return_deep_recursion():
    n = 100
    r = utrace("-U", "fact", "-U", "fact%return", "--", prog("probed"), "recurse", n)
    T.exited(r.rc, 0, "exit code 0", r)
    h = Hits(r.trace)
    T.eq(h.args("fact"), list(range(n, 0, -1)), f"exactly {n} entries, rdi {n} down to 1")
    rets = h.rets("fact")
    T.check(len(rets) >= 64, f"at least 64 returns (got {len(rets)})")
    T.check(len(rets) <= n, f"at most {n} returns (got {len(rets)})")
    # The returns seen are those of consecutive depths, innermost first: fact(k) mod 2^64 for
    # k = lo, lo+1, ... (the frames past the depth limit go unreported, not misreported).
    ok = any(rets == [math.factorial(k) % 2**64 for k in range(lo, lo + len(rets))]
             for lo in range(1, n - len(rets) + 2))
    T.check(ok, "each reported return value is fact(k) for consecutive k, in order",
            [hex(v) for v in rets])
    entries_first = [kind for kind, *_ in h.seq[:n]]
    T.eq(entries_first, ["entry"] * n, "all entries come before the first return")
    T.eq(h.other, ["+++ exited with 0 +++"], "nothing else in the trace")


# --------------------------------------------------------------------------------------------
# 3. Arguments, 4. globs

def test_args():
    r = utrace("-U", "f_push", "-U", "libc.so.6:write", "--", prog("probed"), "calls", 5)
    T.exited(r.rc, 0, "exit code 0", r)
    out = f"{probed_expected_sum(5)} 5\n"
    T.eq(r.out, out, "probed's output")
    lines = [split_prefix(l)[1] for l in r.lines]
    T.check(any(l.startswith("f_push(0x3, ") for l in lines), "f_push(0x3, ...) appears", r)
    h = Hits(r.trace)
    T.eq(h.args("f_push"), [0, 1, 2, 3, 4], "f_push's first argument: 0,0x1,...,0x4")
    writes = [l for l in lines if l.startswith("write(")]
    m = [re.match(r"^write\(0x1, 0x[0-9a-f]+, (0x[0-9a-f]+), ", w) for w in writes]
    T.eq([int(x.group(1), 16) if x else None for x in m], [len(out)],
         "one write(1, buf, len) with the three first registers right (stdout is a pipe)",
         "\n".join(writes))


def test_globs():
    f_funcs = {n for n in elf_functions(prog("probed")) if n.startswith("f_")}
    T.check(set(ALL_TIERS) | {"f_syscall"} <= f_funcs, "probed's .symtab has the f_* functions",
            sorted(f_funcs))
    r = utrace("-U", "f_*", "--", prog("probed"), "calls", 3)
    T.exited(r.rc, 0, "exit code 0 (f_syscall refused, the others probed)", r)
    h = Hits(r.trace)
    # "calls" mode calls the six tier functions only; the other f_* are probed but not hit
    T.eq(h.names(), sorted(ALL_TIERS), "functions traced: the six that calls mode calls")
    for f in ALL_TIERS:
        T.eq(h.count(f), 3, f"{f}: 3 hits")
    msgs = [l for l in r.err_lines if "f_syscall" in l]
    T.eq(len(msgs), 1, "one message about f_syscall", r.err)
    T.check(msgs and re.search(r"refused|syscall", msgs[0].split("f_syscall", 1)[1]),
            "it says refused/syscall", r.err)
    T.eq([l for l in r.err_lines if "f_syscall" not in l], [], "no other message on stderr")


def test_globs_verbose():
    f_funcs = {n for n in elf_functions(prog("probed")) if n.startswith("f_")}
    r = utrace("-v", "-U", "f_*", "--", prog("probed"), "calls", 2)
    T.exited(r.rc, 0, "exit code 0", r)
    tiers = tiers_of(r.err)
    T.eq(sorted(tiers), sorted(f_funcs), "-v: one site per f_* function of .symtab", r.err)
    want = dict(ALL_TIERS, f_syscall="refused")
    T.eq({k: v for k, v in tiers.items() if k in want}, want,
         "-v: the tier of each tier function, f_syscall refused", r.err)
    refused = sorted(k for k, v in tiers.items() if v == "refused")
    T.eq(refused, ["f_syscall"], "f_syscall is the only refusal")
    dup = [l for l in r.err_lines if "refused" in l]
    T.eq(len(dup), 1, "-v reports the refusal of f_syscall once", r.err)


# --------------------------------------------------------------------------------------------
# 5. dlopen after registration

def test_dlopen():
    lib = prog("libprobed.so")
    r = utrace("-U", f"{lib}:lib_func", "--", prog("dlopener"), lib, 5)
    T.exited(r.rc, 0, "dlopener exits 0 (results right, loaded at two addresses)", r)
    addrs = r.out.split()
    T.check(len(addrs) == 2 and addrs[0] != addrs[1], "two different load addresses", r.out)
    h = Hits(r.trace)
    T.eq(h.count("lib_func"), 10, "exactly 10 lib_func lines")
    T.eq(h.args("lib_func"), [0, 1, 2, 3, 4] * 2, "arguments 0..4 for each load")
    T.eq(h.other, ["+++ exited with 0 +++"], "nothing else in the trace")


def test_dlopen_return():
    lib = prog("libprobed.so")
    r = utrace("-U", f"{lib}:lib_func%return", "--", prog("dlopener"), lib, 3)
    T.exited(r.rc, 0, "exit code 0", r)
    h = Hits(r.trace)
    T.eq(h.rets("lib_func"), [7, 8, 9] * 2, "returns x+7 for each load")


# --------------------------------------------------------------------------------------------
# 6. Threads, 7. fork, 8. signals during steps

def summary_rows(text):
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\s*[\d.]+\s+[\d.]+\s+(\d+)?\s+(\d+) (\S+)$", line)
        if m:
            rows[m.group(3)] = int(m.group(2))
    return rows


def test_threads_count():
    n = 20000
    r = utrace("-c", "-U", "f_push", "--", prog("probed"), "threads", n, timeout=110)
    T.exited(r.rc, 0, "exit code 0 (every thread's sum right)", r)
    rows = summary_rows(r.trace)
    T.eq(rows.get("f_push"), 8 * n, f"-c table: f_push {8 * n} calls", r.trace)
    T.eq(rows.get("total"), 8 * n, f"-c table: total {8 * n}", r.trace)
    T.check(r.trace.splitlines()[:1] == ["% time     seconds  usecs/call     calls function"],
            "ltrace -c style header", r.trace)


def test_count_times():
    """-c times each call as ltrace -c does, without a %return probe asked for: fact's row has
    seconds and usecs/call; f_push, never called here, has no row."""
    r = utrace("-c", "-U", "fact", "-U", "f_push", "--", prog("probed"), "recurse", 5)
    T.eq((r.rc, r.out), (0, "120\n"), "exit code 0, fact(5) = 120", r)
    rows = {}
    for line in r.trace.splitlines():
        m = re.match(r"^\s*([\d.]+)\s+([\d.]+)\s+(\d+)?\s+(\d+) (\S+)$", line)
        if m:
            rows[m.group(5)] = (float(m.group(1)), float(m.group(2)), int(m.group(4)))
    T.eq(sorted(rows), ["fact", "total"], "one row for the called function, and the total",
         r.trace)
    pct, secs, calls = rows.get("fact", (0, 0, 0))
    T.eq((pct, calls), (100.0, 5), "fact: 5 calls, 100% of the time", r.trace)
    T.check(secs > 0, "fact: its calls were timed (seconds > 0)", r.trace)


def test_threads_lines():
    n = 500
    for follow in (True, False):
        label = "-f" if follow else "without -f"
        r = utrace(*(["-f"] if follow else []), "-U", "f_push", "--", prog("probed"), "threads",
                   n)
        T.exited(r.rc, 0, f"{label}: exit code 0", r)
        h = Hits(r.trace)
        per = {pid: h.args("f_push", pid) for pid in h.pids()}
        T.eq(sum(len(v) for v in per.values()), 8 * n, f"{label}: {8 * n} f_push lines in all")
        full = [pid for pid, v in per.items() if pid is not None and v == list(range(n))]
        T.eq(len(full), 8, f"{label}: 8 threads ([pid N]), each with f_push(0..n-1) in order",
             {p: len(v) for p, v in per.items()})


def test_fork_nofollow():
    n = 100
    r = utrace("-U", "f_push", "--", prog("probed"), "fork", n)
    T.exited(r.rc, 0, "exit code 0: the child ran with its breakpoints removed", r)
    h = Hits(r.trace)
    T.eq(h.count("f_push"), n, f"exactly {n} hits (the parent's)")
    T.eq(len(h.pids()), 1, "all from one process", h.pids())
    T.eq(h.args("f_push"), list(range(n)), "the parent's f_push 0..n-1 in order")
    T.eq(h.other[-1:], ["+++ exited with 0 +++"], "exit 0 in the trace")
    T.eq(sum(1 for o in h.other if o.startswith("+++")), 1, "one exit line: the child untraced")


def test_fork_nofollow_xol():
    # f_riprel is boosted, so the parent gets an XOL area before it forks.
    r = utrace("-U", "f_riprel", "--", prog("probed"), "forkxol")
    T.eq((r.rc, r.out), (0, "child: 0 anonymous rwx mappings\n"),
         "an unfollowed child has its inherited XOL area unmapped before it runs", r)
    r = utrace("-f", "-U", "f_riprel", "--", prog("probed"), "forkxol")
    T.eq((r.rc, r.out), (0, "child: 1 anonymous rwx mappings\n"),
         "a followed child keeps it (its inherited frames may return through it)", r)


def test_fork_follow():
    n = 100
    r = utrace("-f", "-U", "f_push", "--", prog("probed"), "fork", n)
    T.exited(r.rc, 0, "exit code 0", r)
    h = Hits(r.trace)
    T.eq(h.count("f_push"), 2 * n, f"exactly {2 * n} hits")
    pids = h.pids("f_push")
    T.eq(len(pids), 2, "hits from two distinct pids", pids)
    if len(pids) != 2:
        return
    parent, child = pids
    T.eq(h.args("f_push", parent), list(range(n)), "the parent's f_push 0..n-1 (first)")
    T.eq(h.args("f_push", child), list(range(n)), "the child's f_push 0..n-1")
    sigchld = [(p, o) for p, o in zip(h.other_pids, h.other) if o.startswith("--- SIGCHLD")]
    T.check(len(sigchld) == 1 and f"si_pid={child}," in sigchld[0][1] and
            sigchld[0][0] in (parent, None),
            "the parent gets SIGCHLD from the child's pid", sigchld)
    exits = [(p, o) for p, o in zip(h.other_pids, h.other) if o.startswith("+++")]
    T.eq(exits, [(child, "+++ exited with 0 +++"), (parent, "+++ exited with 0 +++")],
         "the child exits 0, then the parent exits 0")


def test_flood_step():
    r = utrace("-U", "f_step", "--", prog("probed"), "flood", 300)
    T.exited(r.rc, 0, "exit code 0 (f_step's results right, signals handled)", r)
    m = re.match(r"^(\d+) calls, (\d+) signals\n$", r.out)
    T.check(m, "probed's report line", r.out)
    if m:
        h = Hits(r.trace)
        T.eq(h.count("f_step"), int(m.group(1)), "one f_step line per call made")
        T.check(int(m.group(2)) > 0, "signals were handled")
        usr1 = [l for l in r.lines if l.startswith("--- SIGUSR1")]
        T.check(len(usr1) >= int(m.group(2)), "at least one SIGUSR1 line per handled signal")


def test_flood_siginfo():
    """The program's SA_SIGINFO handler checks each SIGUSR1 that arrives while probes are being
    single-stepped: si_code must stay SI_USER and si_pid the sender."""
    r = utrace("-U", "mix_step", "--", prog("uprobe_mix"), "siginfo", 300)
    m = re.match(r"^signals (\d+) bad (\d+)\n$", r.out)
    T.check(m and int(m.group(1)) > 0, "signals were handled", r.out)
    T.exited(r.rc, 0, "exit code 0: every siginfo intact (SI_USER from the sender)", r)
    tk = [l for l in r.lines if l.startswith("--- SIGUSR1") and "SI_TKILL" in l]
    T.eq(len(tk), 0, "no SIGUSR1 shown as SI_TKILL in the trace", "\n".join(tk[:3]))


# --------------------------------------------------------------------------------------------
# 9. Errors

def one_error(r, what, pattern):
    T.exited(r.rc, 1, f"{what}: exit code 1", r)
    T.eq(r.out, "", f"{what}: the program did not run")
    T.eq(len(r.err_lines), 1, f"{what}: a one-line message", r.err)
    T.check(re.search(pattern, r.err), f"{what}: message matches {pattern!r}", r.err)


def test_errors():
    p = prog("probed")
    one_error(utrace("-U", "nosuchfunc", "--", p, "calls", 1), "nosuchfunc",
              r"^utrace: .*nosuchfunc")
    one_error(utrace("-U", "libnosuch:foo", "--", p, "calls", 1), "libnosuch:foo",
              r"^utrace: .*libnosuch.*(not found|No such)")
    one_error(utrace("-U", "f_syscall", "--", p, "calls", 1), "f_syscall",
              r"^utrace: .*f_syscall.*(refused|syscall)")
    one_error(utrace("-U", "f_syscall%return", "--", p, "calls", 1), "f_syscall%return",
              r"^utrace: .*f_syscall.*(refused|syscall)")
    one_error(utrace("-U", "nomatch_*", "--", p, "calls", 1), "glob with no match",
              r"^utrace: .*nomatch_\*")
    lib = prog("libprobed.so")
    one_error(utrace("-U", f"{lib}:nosuch", "--", p, "calls", 1), "LIB:nosuch",
              r"^utrace: .*nosuch")
    one_error(utrace("-U", "/nonexistent/libx.so:foo", "--", p, "calls", 1), "missing path",
              r"^utrace: .*/nonexistent/libx\.so.*(No such|not found)")
    one_error(utrace("-U", "f_push", "-U", "nosuch2", "--", p, "calls", 1),
              "one good and one bad spec", r"nosuch2")
    one_error(utrace("-U", "f_push+2", "--", p, "calls", 1), "FUNC+OFF inside an instruction",
              r"^utrace: -U f_push\+2: offset 0x2 is not on an instruction boundary in f_push$")
    one_error(utrace("-U", "f_push+0x40", "--", p, "calls", 1), "FUNC+OFF past the end",
              r"^utrace: -U f_push\+0x40: offset 0x40 is past the end of f_push")
    # PATH:0xOFFSET is checked as FUNC+OFF is: an int3 in the middle of push %rbp; mov
    # %rsp,%rbp (f_push+2) would make the program run half an instruction.
    off = file_offset(p, "f_push")
    one_error(utrace("-U", f"{p}:{off + 2:#x}", "--", p, "calls", 1),
              "PATH:0xOFF inside an instruction",
              r"^utrace: -U .*: offset 0x2 is not on an instruction boundary in f_push$")
    one_error(utrace("-U", f"{p}:0xffffffffff", "--", p, "calls", 1), "PATH:0xOFF past the file",
              r"^utrace: -U .*:0xffffffffff: offset 0xffffffffff is not in any segment the "
              r"loader maps of ")
    one_error(utrace("-U", f"{p}:0x40", "--", p, "calls", 1), "PATH:0xOFF in the ELF header",
              r"^utrace: -U .*:0x40: offset 0x40 is not in an executable segment of ")
    r = utrace("-U", f"{p}:{off + 1:#x}", "--", p, "calls", 2)
    T.eq((r.rc, sum(1 for l in r.lines if f"] {p}:{off + 1:#x}(" in l)), (0, 2),
         "PATH:0xOFF on a boundary (f_push+1): 2 hits, exit 0", r)
    one_error(utrace("-U", "f_push", "-p", "999999"), "-p of a pid that does not exist",
              r"^utrace: attach: ptrace\(PTRACE_SEIZE, 999999\): No such process$")


def file_offset(path, name):
    """The file offset of function name in path, through its PT_LOAD (nm gives the address)."""
    nm = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    addr = next(int(l.split()[0], 16) for l in nm.splitlines() if l.endswith(" " + name))
    ph = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True, check=True)
    for l in ph.stdout.splitlines():
        f = l.split()
        if f[:1] == ["LOAD"] and int(f[2], 16) <= addr < int(f[2], 16) + int(f[5], 16):
            return addr - int(f[2], 16) + int(f[1], 16)
    raise AssertionError(f"{name} at {addr:#x} is in no PT_LOAD of {path}")


def test_func_offset():
    """FUNC+OFF on an instruction boundary: push %rbp is 1 byte, mov %rsp,%rbp 3."""
    r = utrace("-U", "f_push+1", "-U", "f_push+4", "--", prog("probed"), "calls", 3)
    T.exited(r.rc, 0, "exit code 0")
    T.eq(sum(1 for l in r.lines if re.search(r"\] f_push\+1\(", l)), 3, "3 hits at f_push+1")
    T.eq(sum(1 for l in r.lines if re.search(r"\] f_push\+4\(", l)), 3, "3 hits at f_push+4")


def test_errors_stripped():
    objcopy = shutil.which("objcopy")
    if not objcopy:
        raise Skip("objcopy is not installed")
    mix = prog("uprobe_mix")
    r = utrace("-U", "hidden_func", "--", mix, "hidden", 5)
    T.exited(r.rc, 0, "unstripped: exit code 0", r)
    T.eq(r.out, "15\n", "unstripped: hidden_func(5) = 15")
    T.eq(Hits(r.trace).args("hidden_func"), [5], "unstripped: hidden_func(0x5) probed (.symtab)")
    stripped = os.path.join(S.tmp, "mix_stripped")
    subprocess.run([objcopy, "--strip-all", mix, stripped], check=True)
    os.chmod(stripped, 0o755)
    dyn = subprocess.run(["readelf", "-S", stripped], capture_output=True, text=True).stdout \
        if shutil.which("readelf") else ".dynsym"
    T.check(".dynsym" in dyn and ".symtab" not in dyn, "the copy has .dynsym and no .symtab", dyn)
    r = utrace("-U", "hidden_func", "--", stripped, "hidden", 5)
    one_error(r, "stripped", r"^utrace: .*hidden_func")
    T.check(re.search(r"strip|symtab|dynsym", r.err), "stripped: the message says why", r.err)


# --------------------------------------------------------------------------------------------
# 10. With syscall tracing

def test_with_syscalls():
    n = 4
    for follow in (False, True):
        label = "-f" if follow else "no -f"
        r = utrace(*(["-f"] if follow else []), "-U", "mix_func", "-e", "trace=getpid", "--",
                   prog("uprobe_mix"), "mix", n)
        T.exited(r.rc, 0, f"{label}: exit code 0", r)
        lines = [split_prefix(l) for l in r.lines]
        T.eq(len(lines), 2 * n + 1, f"{label}: {n} probe lines, {n} getpid lines, the exit",
             r.trace)
        pids = set()
        for i in range(n):
            a = lines[2 * i] if 2 * i < len(lines) else (None, "")
            b = lines[2 * i + 1] if 2 * i + 1 < len(lines) else (None, "")
            m = ENTRY_RE.match(a[1])
            T.check(m and m.group(1) == "mix_func" and int(m.group(2), 16) == i,
                    f"{label}: line {2 * i + 1}: mix_func({i:#x}, ...)", a)
            g = re.match(r"^getpid\(\)\s+= (\d+)$", b[1])
            T.check(g, f"{label}: line {2 * i + 2}: getpid() = PID", b)
            if g:
                pids.add(int(g.group(1)))
            pids |= {p for p in (a[0], b[0]) if p is not None}
        T.eq(len(pids), 1, f"{label}: one pid, returned by getpid and in the prefixes", pids)
        T.eq(lines[-1:][0][1] if lines else None, "+++ exited with 0 +++",
             f"{label}: the exit line")


# --------------------------------------------------------------------------------------------
# 11. Attach, detach, and the tracee's text afterwards

def text_mappings(pid, path):
    """(start, end, offset) of each r-xp mapping of path in the process."""
    real = os.path.realpath(path)
    found = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split(None, 5)
            if len(fields) == 6 and fields[1] == "r-xp" and fields[5].strip() == real:
                a, b = (int(x, 16) for x in fields[0].split("-"))
                found.append((a, b, int(fields[2], 16)))
    return found


def text_diffs(pid, path):
    """Addresses where the process's text differs from the file ([] when identical)."""
    diffs = []
    maps = text_mappings(pid, path)
    if not maps:
        return ["no r-xp mapping of " + path]
    with open(f"/proc/{pid}/mem", "rb") as mem, open(path, "rb") as f:
        for a, b, off in maps:
            mem.seek(a)
            live = mem.read(b - a)
            f.seek(off)
            disk = f.read(b - a)
            if len(disk) < len(live):
                live = live[:len(disk)]
            diffs += [hex(a + i) for i in range(len(live)) if live[i] != disk[i]]
    return diffs


def maps_of(pid):
    with open(f"/proc/{pid}/maps") as f:
        return [l.rstrip("\n") for l in f]


def start_spin():
    p = spawn([prog("probed"), "spin"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = wait_for(lambda: text_mappings(p.pid, prog("probed")) and
                  (proc_status(p.pid) or {}).get("State", "").startswith("S"), timeout=5)
    if not ok:
        raise AssertionError("probed spin did not start")
    time.sleep(0.05)
    return p


def catches_sigint(pid):
    st = proc_status(pid)
    return st is not None and int(st.get("SigCgt", "0"), 16) & (1 << (signal.SIGINT - 1))


def attach_once(p, delay, label, want_lines, before_maps):
    """utrace -p PID -U f_push -U f_push%return; SIGINT after delay; check the detach."""
    path = S.scratch("attach")
    u = spawn([S.tracer, "-p", str(p.pid), "-U", "f_push", "-U", "f_push%return", "-o", path])
    T.check(wait_for(lambda: catches_sigint(u.pid) or u.poll() is not None, timeout=5),
            f"{label}: utrace is up (catches SIGINT)")
    during = None
    if want_lines:
        ok = wait_for(lambda: os.path.exists(path) and "f_push = 0x4" in open(path).read(),
                      timeout=5)
        T.check(ok, f"{label}: f_push hits are traced while attached")
        during = (text_diffs(p.pid, prog("probed")), maps_of(p.pid))
    time.sleep(delay)
    u.send_signal(signal.SIGINT)
    try:
        out, err = u.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(u.pid, signal.SIGKILL)
        out, err = u.communicate()
    err = err.decode(errors="replace")
    T.exited(u.returncode, 0, f"{label}: utrace exits 0 after SIGINT", err)
    trace = open(path, errors="replace").read() if os.path.exists(path) else ""
    h = Hits(trace)
    T.check(set(h.args("f_push")) <= {1} and set(h.rets("f_push")) <= {4} and not h.other,
            f"{label}: only f_push(0x1, ...) / f_push = 0x4 lines", trace[-2000:])
    n_e, n_r = len(h.args("f_push")), len(h.rets("f_push"))
    T.check(n_r <= n_e <= n_r + 1, f"{label}: entries and returns pair up ({n_e}/{n_r})")
    if want_lines:
        T.check(n_e > 0, f"{label}: the trace file has f_push lines", trace)
        diffs, maps = during
        T.check(len(diffs) >= 1, f"{label}: while attached the text differs (int3 at f_push)")
        T.check(len(maps) > len(before_maps),
                f"{label}: while attached there is an extra mapping (the XOL area)",
                "\n".join(maps))
    T.eq(text_diffs(p.pid, prog("probed")), [], f"{label}: text identical to the file")
    after = maps_of(p.pid)
    T.check(not any("uprobes-xol" in l for l in after), f"{label}: no uprobes-xol mapping")
    T.eq(after, before_maps, f"{label}: /proc/PID/maps as before the attach")
    T.eq((proc_status(p.pid) or {}).get("TracerPid"), "0", f"{label}: TracerPid 0")
    return n_e


def test_attach_detach():
    p = start_spin()
    before = maps_of(p.pid)
    attach_once(p, 0.3, "attach", True, before)
    time.sleep(0.2)
    st = proc_status(p.pid)
    T.check(p.poll() is None and st and not st.get("State", "").startswith(("Z", "X", "T", "t")),
            "still running 0.2 s after the detach", (p.poll(), st and st.get("State")))


def test_attach_detach_random():
    rnd = random.Random(os.environ.get("UPROBES_E2E_SEED", str(time.time_ns())))
    p = start_spin()
    before = maps_of(p.pid)
    print(f"# spin pid {p.pid}")
    for i in range(16):
        # Half the rounds in the first 60 ms, while the attach, the first hits and the XOL
        # injection are under way: the racy part.
        delay = rnd.uniform(0.0, 0.06 if i % 2 else 0.2)
        attach_once(p, delay, f"round {i + 1} ({delay * 1000:.0f} ms)", False, before)
        time.sleep(0.05)
        T.check(p.poll() is None, f"round {i + 1}: the process is alive", p.poll())
        if p.poll() is not None:
            return
    time.sleep(0.2)
    T.check(p.poll() is None, "alive 0.2 s after the last detach", p.poll())
    n = attach_once(p, 0.3, "final attach", True, before)
    T.check(n > 0, "the probes still fire after 16 detaches")


def test_kill_while_attached():
    """SIGKILL to the tracee at a random point of the attach, the XOL injection or a hit: utrace
    reports the death and exits; it never hangs on a thread that is gone."""
    rnd = random.Random(os.environ.get("UPROBES_E2E_SEED", str(time.time_ns())))
    for i in range(8):
        p = start_spin()
        path = os.path.join(S.tmp, f"kill{i}.txt")
        u = spawn([S.tracer, "-p", str(p.pid), "-U", "f_push", "-U", "f_push%return", "-o", path])
        wait_for(lambda: catches_sigint(u.pid) or u.poll() is not None, timeout=5)
        delay = rnd.uniform(0.0, 0.06)
        time.sleep(delay)
        p.kill()
        try:
            err = u.communicate(timeout=10)[1].decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(u.pid, signal.SIGKILL)
            u.communicate()
            T.check(False, f"round {i + 1} ({delay * 1000:.0f} ms): utrace exits after the kill")
            continue
        p.wait()
        trace = open(path, errors="replace").read() if os.path.exists(path) else ""
        # Killed before the attach completed, it is strace's "No such process" error instead.
        gone_early = u.returncode == 1 and "No such process" in err and not trace
        T.check(gone_early or (u.returncode, trace.splitlines()[-1:]) ==
                (0, ["+++ killed by SIGKILL +++"]),
                f"round {i + 1} ({delay * 1000:.0f} ms): utrace reports the kill and exits",
                f"rc={u.returncode}\n{err}\n{trace[-500:]}")


GROUPS = {
    "tiers": [test_tiers_counts, test_tiers_verbose],
    "returns": [test_return_fact5, test_return_longjmp, test_return_deep_recursion],
    "args": [test_args, test_globs, test_globs_verbose],
    "dlopen": [test_dlopen, test_dlopen_return],
    "threads": [test_threads_count, test_count_times, test_threads_lines],
    "fork": [test_fork_nofollow, test_fork_nofollow_xol, test_fork_follow],
    "signals": [test_flood_step, test_flood_siginfo],
    "errors": [test_errors, test_errors_stripped, test_func_offset],
    "syscalls": [test_with_syscalls],
    "attach": [test_attach_detach],
    "detach_stress": [test_attach_detach_random, test_kill_while_attached],
}


def main():
    return S.main(GROUPS, "--utrace")


if __name__ == "__main__":
    sys.exit(main())
