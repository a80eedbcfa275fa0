#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end tests of the utrace tool: real programs traced by the real binary.

Usage: e2e.py [--group GROUP]... [--case NAME]... --utrace PATH --progs PROG...

--group (repeatable) picks the groups to run (default: all), --case (repeatable) the case
functions within them; --progs gives the tracee programs, known by their file names.

Each group is one Meson test (tests/e2e/meson.build).  Every check prints one TAP line; the
script exits 1 if any check failed, 77 (Meson's "skipped") if every case of the group was
skipped (strace missing for the peer checks), else 0.  Expected lines are the ones strace 6
prints for the same program; regexes only where a value (pid, address, time) varies per run.

Trace output is parsed by parse_trace(), which also accepts strace's own "-f -o" format, so the
peer group can compare both tracers' per-process syscall sequences.
"""
import difflib
import os
import pwd
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import Result, Session, Skip, proc_status, split_prefix, wait_for  # noqa: E402

S = Session("utrace-e2e-")
T = S.tap
spawn = S.spawn
run = S.run
prog = S.prog
STRACE = shutil.which("strace")


def no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def utrace(*args, **kw):
    return S.run([S.tracer] + list(args), **kw)


def need_strace():
    if not STRACE:
        raise Skip("strace is not installed")


def session_members(sid):
    """Pids of live (not zombie) processes whose session id is sid."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(d))
    return found


def counter(path):
    try:
        with open(path) as f:
            s = f.read().strip()
        return int(s) if s else 0
    except (OSError, ValueError):
        return 0


def start_looper(nthreads=0):
    """Start looper (not traced); return (Popen, counter file) once it is running."""
    cfile = os.path.join(S.tmp, f"counter{time.monotonic_ns()}")
    argv = [prog("looper"), cfile] + ([str(nthreads)] if nthreads else [])
    p = spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = wait_for(lambda: counter(cfile) > 2 and
                  len(os.listdir(f"/proc/{p.pid}/task")) == nthreads + 1)
    if not ok:
        raise AssertionError("looper did not start")
    return p, cfile


def progresses(cfile, timeout=10):
    """Whether looper's counter moves within timeout seconds: at once when it runs, however
    loaded the machine; give a short timeout to check that it does not."""
    a = counter(cfile)
    return wait_for(lambda: counter(cfile) > a, timeout=timeout)


# --------------------------------------------------------------------------------------------
# Trace parsing

STAMP_RE = re.compile(r"^\d\d:\d\d:\d\d(?:\.\d{6})? ")
SIG_RE = re.compile(r"^--- (SIG\w+|stopped by SIG\w+)\b.* ---$")
EXIT_RE = re.compile(r"^\+\+\+ (exited with \d+|killed by SIG\w+(?: \(core dumped\))?|"
                     r"superseded by execve in pid \d+) \+\+\+$")
PIDCHANGE_RE = re.compile(r" <pid changed to (\d+) \.\.\.>$")
RESUMED_RE = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
CALL_RE = re.compile(r"^(\w+)\((.*)$")
RESULT_RE = re.compile(r"\s+= (-?\d+|\?|0x[0-9a-f]+)(?: ([A-Z]\w*))?(?: \(.*\))?(?: <[\d.]+>)?$")


class Trace:
    """A trace split per thread: events[pid] is a list of ("call", name, result), ("signal",
    name), ("exit", what), in order.  Unfinished/resumed pairs are merged into one call.
    Unprefixed lines (utrace prints "[pid N]" only while more than one thread is traced) belong
    to the only live thread; the first of them to the command, whose pid is learnt when the
    first prefixed stretch ends with one survivor."""

    ROOT = "root"

    def __init__(self, text):
        self.events = {}
        self.order = []          # pids by first appearance
        self.problems = []
        self.pending = {}        # pid -> (index into events[pid]) of an unfinished call
        self.exited = set()
        self.alias = {}
        seq = []                 # (n, pid, event)
        sole = self.ROOT
        prefixed_run = False
        for n, line in enumerate(text.splitlines()):
            if not line.strip():
                continue
            pid, body = split_prefix(line)
            if pid is None:
                if prefixed_run:
                    sole = self._survivor()
                    prefixed_run = False
                pid = sole
            else:
                prefixed_run = True
            if pid not in self.order:
                self.order.append(pid)
            ev = self._event(pid, body, line)
            if ev is not None:
                seq.append((n, pid, ev))
        for pid, (name, ev) in self.pending.items():
            self.problems.append(f"pid {pid}: {name} unfinished, never resumed")
        for n, pid, ev in seq:
            key = self.resolve(pid)
            self.events.setdefault(key, []).append(ev)
        self.order = list(dict.fromkeys(self.resolve(p) for p in self.order))

    def resolve(self, pid):
        while pid in self.alias:
            pid = self.alias[pid]
        return pid

    def _survivor(self):
        live = {self.resolve(p) for p in self.order} - self.exited
        if len(live) == 1:
            return live.pop()
        if len(live) == 2 and self.ROOT in live:
            live.discard(self.ROOT)
            real = live.pop()
            self.alias[self.ROOT] = real
            return real
        return self.resolve(self.ROOT)

    def _event(self, pid, body, line):
        m = SIG_RE.match(body)
        if m:
            return ("signal", m.group(1))
        m = EXIT_RE.match(body)
        if m:
            sup = re.match(r"superseded by execve in pid (\d+)", m.group(1))
            if sup:
                # the leader lives on as the exec'ing thread, which is gone
                t = int(sup.group(1))
                self.exited.add(t)
                if t in self.pending:
                    self.pending[pid] = self.pending.pop(t)
                return ("exit", "superseded")
            self.exited.add(self.resolve(pid))
            return ("exit", m.group(1))
        m = RESUMED_RE.match(body)
        if m:
            name = m.group(1)
            want = self.pending.pop(pid, None)
            if want is None:
                want = self.pending.pop(self.resolve(pid), None)
            if want is None and self.ROOT not in self.alias and pid != self.ROOT and \
                    self.pending.get(self.ROOT, ("",))[0] == name:
                # the command's call, unfinished before its pid was known
                want = self.pending.pop(self.ROOT)
                self.alias[self.ROOT] = pid
            if want is not None and want[0] != name:
                self.problems.append(f"resumed {name} but {want[0]} was unfinished: {line}")
            if want is None:
                self.problems.append(f"resumed without unfinished: {line}")
            r = RESULT_RE.search(m.group(2))
            if want is not None:
                want[1][2] = r.group(1) if r else None
                want[1][3] = r.group(2) if r else None
            return None
        m = CALL_RE.match(body)
        if m:
            ev = ["call", m.group(1), None, None]
            pc = PIDCHANGE_RE.search(body)
            if body.endswith(" <unfinished ...>"):
                self.pending[pid] = (m.group(1), ev)
            elif pc:
                # strace: execve in a non-leader thread, resumed in the leader
                self.pending[int(pc.group(1))] = (m.group(1), ev)
            else:
                r = RESULT_RE.search(body)
                ev[2] = r.group(1) if r else None
                ev[3] = r.group(2) if r else None
            return ev
        if body.startswith(("utrace: ", "strace: ")):
            return None
        self.problems.append(f"unparsed line: {line}")
        return None

    def names(self, pid, kinds=("call", "signal", "exit"), restarts=True):
        """restarts=False leaves out calls that returned ERESTART* (interrupted by a signal and
        restarted by the kernel, so where they happen depends on timing).  A SIGCHLD seen just
        before a wait4 is put after it: whether the child dies before the parent enters wait4
        or while it waits is a race, and both orders are the same story."""
        out = [e[1] if e[0] == "call" else f"{e[0]}:{e[1]}"
               for e in self.events.get(pid, []) if e[0] in kinds and
               (restarts or e[0] != "call" or not (e[3] or "").startswith("ERESTART"))]
        for i in range(len(out) - 1):
            if out[i] == "signal:SIGCHLD" and out[i + 1] == "wait4":
                out[i], out[i + 1] = out[i + 1], out[i]
        return out

    def calls(self, pid, name=None):
        return [e for e in self.events.get(pid, []) if e[0] == "call" and
                (name is None or e[1] == name)]

    def root(self):
        return self.order[0] if self.order else None


def syscall_lines(lines):
    return [l for l in lines if CALL_RE.match(split_prefix(l)[1]) or
            RESUMED_RE.match(split_prefix(l)[1])]


def pad(call, result):
    """A complete syscall line as strace prints it: the result column starts at 40."""
    return f"{call:<39} = {result}"


# --------------------------------------------------------------------------------------------
# 1. Output format

def data_file():
    path = os.path.join(S.tmp, "data.txt")
    with open(path, "w") as f:
        f.write("utrace-e2e-content\n")
    return path


def fmtseq_tail(lines):
    """The lines from fmtseq's own first call on (before it: the dynamic loader)."""
    for i, l in enumerate(lines):
        if '"/nonexistent/utrace-e2e"' in l:
            return lines[i:]
    return lines


def cstr(text, limit=32):
    """A string argument as strace quotes it with -s limit."""
    def esc(t):
        return t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if len(text) > limit:
        return '"' + esc(text[:limit]) + '"...'
    return '"' + esc(text) + '"'


def fmtseq_expected(data, pid, limit=32, lead=""):
    """fmtseq's lines; lead (a timestamp) counts towards the result column, as in strace."""
    pidmsg = f"pid={pid}\n"
    calls = [
        ('openat(AT_FDCWD, "/nonexistent/utrace-e2e", O_RDONLY)',
         "-1 ENOENT (No such file or directory)"),
        (f'openat(AT_FDCWD, "{data}", O_RDONLY|O_CLOEXEC)', "3"),
        (f'read(3, {cstr("utrace-e2e-content" + chr(10), limit)}, 64)', "19"),
        (f'write(1, {cstr("hello from fmtseq" + chr(10), limit)}, 18)', "18"),
        ("close(3)", "0"),
        ("getpid()", str(pid)),
        (f"write(1, {cstr(pidmsg, limit)}, {len(pidmsg)})", str(len(pidmsg))),
    ]
    return [pad(lead + c, r) for c, r in calls] + [lead + "+++ exited with 0 +++"]


def fmtseq_pid(out):
    m = re.search(r"^pid=(\d+)$", out, re.M)
    return int(m.group(1)) if m else -1


def test_format_lines():
    data = data_file()
    r = utrace("-e", "trace=openat,read,write,close,getpid", prog("fmtseq"), data)
    T.exited(r.rc, 0, "exit code")
    pid = fmtseq_pid(r.out)
    T.eq(r.out, f"hello from fmtseq\npid={pid}\n", "tracee stdout untouched")
    T.eq(r.err, "", "nothing on stderr with -o")
    T.lines_eq(fmtseq_tail(r.lines), fmtseq_expected(data, pid), "fmtseq lines")
    loader = r.lines[:len(r.lines) - len(fmtseq_tail(r.lines))]
    T.check(all(re.match(r"(openat|read|close)\(", l) for l in loader),
            "only the loader's openat/read/close before main", "\n".join(loader))


def test_format_execve():
    data = data_file()
    exe = prog("fmtseq")
    r = utrace("-e", "trace=execve", exe, data)
    T.exited(r.rc, 0, "exit code")
    want = [re.compile(re.escape(f'execve("{exe}", [{cstr(exe)}, {cstr(data)}], ') +
                       r"0x[0-9a-f]+ /\* \d+ vars \*/\) += 0"),
            "+++ exited with 0 +++"]
    T.lines_eq(r.lines, want, "the command's own execve is shown, like strace")


def test_format_stderr_default():
    data = data_file()
    r = utrace("-e", "trace=getpid", prog("fmtseq"), data, outfile=False)
    pid = fmtseq_pid(r.out)
    T.exited(r.rc, 0, "exit code")
    T.lines_eq(r.err.splitlines(), [pad("getpid()", str(pid)), "+++ exited with 0 +++"],
               "trace goes to stderr without -o")
    T.eq(r.out, f"hello from fmtseq\npid={pid}\n", "stdout is the tracee's only")


def test_format_strsize():
    data = data_file()
    r = utrace("-s", "8", "-e", "trace=openat,read,write,close,getpid", prog("fmtseq"),
               data)
    T.exited(r.rc, 0, "exit code")
    pid = fmtseq_pid(r.out)
    T.lines_eq(fmtseq_tail(r.lines), fmtseq_expected(data, pid, limit=8),
               "-s 8 truncates strings with ... but not paths")
    T.check(any('"pid=' in l and '"...' in l for l in r.lines) == (len(f"pid={pid}\n") > 8),
            "pid message truncated iff longer than 8")


def test_format_T():
    data = data_file()
    r = utrace("-T", "-e", "trace=openat,read,write,close,getpid", prog("fmtseq"), data)
    T.exited(r.rc, 0, "exit code")
    tail = fmtseq_tail(r.lines)
    pid = fmtseq_pid(r.out)
    want = [re.compile(re.escape(l) + r" <\d+\.\d{6}>") for l in
            fmtseq_expected(data, pid)[:-1]] + ["+++ exited with 0 +++"]
    T.lines_eq(tail, want, "-T appends <seconds> to every completed call")
    secs = [float(re.search(r"<([\d.]+)>$", l).group(1)) for l in tail[:-1]
            if re.search(r"<([\d.]+)>$", l)]
    T.check(secs and all(s < 1.0 for s in secs), "-T times are small", secs)


def stamp_case(flag, stamp_re, width):
    """stamp_re: the timestamp with its space, width characters long."""
    data = data_file()
    before = time.time()
    r = utrace(flag, "-e", "trace=openat,read,write,close,getpid", prog("fmtseq"), data)
    after = time.time()
    T.exited(r.rc, 0, f"{flag}: exit code")
    T.check(len(r.lines) > 8 and all(re.match(stamp_re, l) for l in r.lines),
            f"{flag}: every line starts with a timestamp", r.trace)
    hole = "\x00" * width
    want = [re.compile(stamp_re + re.escape(l[width:]))
            for l in fmtseq_expected(data, fmtseq_pid(r.out), lead=hole)]
    T.lines_eq(fmtseq_tail(r.lines), want,
               f"{flag}: timestamped lines, result column still at 40")
    allowed = {time.strftime("%H:%M:%S", time.localtime(t)) for t in
               range(int(before) - 1, int(after) + 2)}
    T.check(all(l[:8] in allowed for l in r.lines), f"{flag}: timestamps are local now",
            f"allowed {sorted(allowed)}\n{r.trace}")


def test_format_t():
    stamp_case("-t", r"\d\d:\d\d:\d\d ", 9)


def test_format_tt():
    stamp_case("-tt", r"\d\d:\d\d:\d\d\.\d{6} ", 16)


# --------------------------------------------------------------------------------------------
# 2. Trace sets

def names_in(lines):
    out = []
    for l in lines:
        m = CALL_RE.match(split_prefix(l)[1])
        if m:
            out.append(m.group(1))
    return out


def test_traceset_file():
    data = data_file()
    r = utrace("-e", "trace=%file", prog("fmtseq"), data)
    T.exited(r.rc, 0, "exit code")
    names = names_in(r.lines)
    T.check("openat" in names, "%file shows openat", r.trace)
    T.eq(sorted(set(names) & {"read", "write", "close", "getpid", "mmap"}), [],
         "%file hides read/write/close/getpid/mmap")
    ours = [l for l in r.lines if l.startswith("openat(") and ("utrace-e2e" in l or data in l)]
    T.lines_eq(ours, fmtseq_expected(data, 0)[:2], "%file: fmtseq's two openat lines")
    T.eq(r.lines[-1:], ["+++ exited with 0 +++"], "%file: exit line")


def test_traceset_not():
    data = data_file()
    r = utrace("-e", "trace=!write", prog("fmtseq"), data)
    T.exited(r.rc, 0, "exit code")
    names = names_in(r.lines)
    T.check("write" not in names, "!write hides write", r.trace)
    for n in ("openat", "read", "close", "getpid", "mmap", "exit_group"):
        T.check(n in names, f"!write still shows {n}", r.trace)
    pid = fmtseq_pid(r.out)
    want = [l for l in fmtseq_expected(data, pid) if not l.startswith("write(")]
    tail = [l for l in fmtseq_tail(r.lines) if not l.startswith("exit_group(")]
    T.lines_eq(tail, want, "!write: fmtseq's lines minus writes")


def test_traceset_none():
    r = utrace("-e", "trace=none", prog("sigself"), "handler")
    T.exited(r.rc, 0, "exit code")
    T.lines_eq(r.lines, [
        re.compile(r"--- SIGUSR1 \{si_signo=SIGUSR1, si_code=SI_USER, si_pid=\d+, si_uid=\d+\} ---"),
        re.compile(r"--- SIGUSR1 \{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=\d+, si_uid=\d+\} ---"),
        "+++ exited with 0 +++"], "trace=none: signals and exit only")


def test_traceset_unknown():
    data = data_file()
    r = utrace("-e", "trace=nosuchcall", prog("fmtseq"), data)
    T.exited(r.rc, 1, "exit code 1")
    T.eq(r.out, "", "command not run")
    errl = r.err.splitlines()
    T.check(len(errl) == 1 and errl[0].startswith("utrace: ") and "nosuchcall" in errl[0],
            "one-line error naming nosuchcall", r.err)
    r = utrace("-e", "trace=openat,%nosuchclass", prog("fmtseq"), data)
    T.exited(r.rc, 1, "unknown class: exit code 1")
    errl = r.err.splitlines()
    T.check(len(errl) == 1 and errl[0].startswith("utrace: ") and "nosuchclass" in errl[0],
            "unknown class: one-line error", r.err)


# --------------------------------------------------------------------------------------------
# 3. Signals

def test_signal_handler():
    r = utrace("-e", "trace=kill,tgkill", prog("sigself"), "handler")
    T.exited(r.rc, 0, "exit code")
    m = re.match(r"kill\((\d+), SIGUSR1\)", r.lines[0] if r.lines else "")
    pid = m.group(1) if m else r"\d+"
    T.lines_eq(r.lines, [
        pad(f"kill({pid}, SIGUSR1)", "0"),
        f"--- SIGUSR1 {{si_signo=SIGUSR1, si_code=SI_USER, si_pid={pid}, si_uid={os.getuid()}}} ---",
        pad(f"tgkill({pid}, {pid}, SIGUSR1)", "0"),
        f"--- SIGUSR1 {{si_signo=SIGUSR1, si_code=SI_TKILL, si_pid={pid}, si_uid={os.getuid()}}} ---",
        "+++ exited with 0 +++"], "kill and tgkill with a handler")


def test_signal_term():
    r = utrace("-e", "trace=kill,tgkill", prog("sigself"), "term")
    T.exited(r.rc, 143, "exit code 128+SIGTERM")
    m = re.match(r"kill\((\d+), SIGTERM\)", r.lines[0] if r.lines else "")
    pid = m.group(1) if m else "?"
    T.lines_eq(r.lines, [
        pad(f"kill({pid}, SIGTERM)", "0"),
        f"--- SIGTERM {{si_signo=SIGTERM, si_code=SI_USER, si_pid={pid}, si_uid={os.getuid()}}} ---",
        "+++ killed by SIGTERM +++"], "killed by SIGTERM")


def test_signal_abort():
    r = utrace("-e", "trace=kill,tgkill", prog("sigself"), "abort", preexec_fn=no_core)
    T.exited(r.rc, 134, "exit code 128+SIGABRT")
    m = re.match(r"tgkill\((\d+), ", r.lines[0] if r.lines else "")
    pid = m.group(1) if m else "?"
    T.lines_eq(r.lines, [
        pad(f"tgkill({pid}, {pid}, SIGABRT)", "0"),
        f"--- SIGABRT {{si_signo=SIGABRT, si_code=SI_TKILL, si_pid={pid}, si_uid={os.getuid()}}} ---",
        re.compile(r"\+\+\+ killed by SIGABRT( \(core dumped\))? \+\+\+")], "abort()")


def test_signal_none():
    r = utrace("-e", "signal=none", "-e", "trace=kill,tgkill", prog("sigself"), "handler")
    T.exited(r.rc, 0, "exit code")
    T.lines_eq(r.lines, [re.compile(r"kill\(\d+, SIGUSR1\) += 0"),
                         re.compile(r"tgkill\(\d+, \d+, SIGUSR1\) += 0"),
                         "+++ exited with 0 +++"], "signal=none hides signal lines")
    r = utrace("-e", "signal=SIGTERM", "-e", "trace=none", prog("sigself"), "term")
    T.exited(r.rc, 143, "signal=SIGTERM: exit code")
    T.lines_eq(r.lines, [re.compile(r"--- SIGTERM \{si_signo=SIGTERM, si_code=SI_USER, .*\} ---"),
                         "+++ killed by SIGTERM +++"], "signal=SIGTERM shows SIGTERM")
    r = utrace("-e", "signal=!SIGUSR1", "-e", "trace=none", prog("sigself"), "handler")
    T.lines_eq(r.lines, ["+++ exited with 0 +++"], "signal=!SIGUSR1 hides SIGUSR1")


def test_signal_restart():
    r = utrace("-e", "trace=read,write", prog("restart"))
    T.exited(r.rc, 0, "exit code")
    tail = r.lines[-5:]
    T.lines_eq(tail, [
        re.compile(re.escape("read(3, ") + r"0x[0-9a-f]+" + re.escape(", 1)") + " +" +
                   re.escape("= ? ERESTARTSYS (To be restarted if SA_RESTART is set)")),
        "--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---",
        pad('write(4, "x", 1)', "1"),
        pad('read(3, "x", 1)', "1"),
        "+++ exited with 0 +++"], "read interrupted by SIGALRM, ERESTARTSYS, restarted")
    r = utrace("-e", "trace=setitimer,rt_sigreturn", prog("restart"))
    T.lines_eq(r.lines, [
        pad("setitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=0}, "
            "it_value={tv_sec=0, tv_usec=50000}}, NULL)", "0"),
        "--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---",
        pad("rt_sigreturn({mask=[]})", "0"),
        "+++ exited with 0 +++"], "setitimer and rt_sigreturn decoded as strace does")


# --------------------------------------------------------------------------------------------
# 4. Processes

FORK_SET = "trace=execve,clone,clone3,fork,vfork,wait4,exit_group"


def test_process_follow():
    exe = prog("forkexec")
    r = utrace("-f", "-e", FORK_SET, exe)
    T.exited(r.rc, 3, "exit code is the command's (3)")
    T.eq(r.err, "", "nothing on stderr with -o")
    tr = Trace(r.trace)
    T.eq(tr.problems, [], "trace parses")
    T.eq(len(tr.order), 3, "three processes")
    if len(tr.order) < 3:
        T.check(False, "trace", r.trace)
        return
    root, kids = tr.order[0], tr.order[1:]
    T.eq(tr.names(root), ["execve", "clone", "wait4", "signal:SIGCHLD", "vfork", "wait4",
                          "signal:SIGCHLD", "signal:SIGUSR2", "exit_group", "exit:exited with 3"],
         "parent's sequence")
    for k in kids:
        T.eq(tr.names(k), ["execve", "exit_group", "exit:exited with 0"],
             f"child {k}'s sequence")
        T.check(any(re.match(rf"{k} +", l) for l in r.lines), f"'{k} ' prefix used (-o -f)")
        T.check(any(re.match(rf'{k} +execve\("/bin/true", \["/bin/true"\], 0x[0-9a-f]+ '
                             r'/\* \d+ vars \*/', l) for l in r.lines),
                f"child {k}'s execve line", r.trace)
    forks = tr.calls(root, "clone") + tr.calls(root, "vfork")
    T.eq([e[2] for e in forks], [str(k) for k in kids], "clone/vfork return the child pids")
    T.eq([e[2] for e in tr.calls(root, "wait4")], [str(k) for k in kids], "wait4 returns them")
    T.eq(sum(1 for l in r.lines if re.fullmatch(r"\d+ +\+\+\+ exited with 3 \+\+\+", l)), 1,
         "one exited with 3")
    T.eq(sum(1 for l in r.lines if l.endswith("+++ exited with 0 +++")), 2,
         "two exited with 0")


def test_process_mtexec():
    r = utrace("-f", "-e", "trace=execve,exit_group", prog("mtexec"), timeout=20)
    T.exited(r.rc, 0, "exit code of the exec'd /bin/true")
    T.eq(r.err, "", "nothing on stderr with -o (strace prints no 'attached' for -f)")
    tr = Trace(r.trace)
    T.eq(tr.problems, [], "trace parses")
    T.check(any(re.fullmatch(r'\d+ +execve\("/bin/true", \["/bin/true"\], 0x[0-9a-f]+ '
                             r'/\* \d+ vars \*/ <pid changed to \d+ \.\.\.>', l)
                for l in r.lines), "the thread's execve line", r.trace)
    last = [split_prefix(l)[1] for l in r.lines[-2:]]
    T.eq([re.sub(r" +=", " =", l) for l in last], ["exit_group(0) = ?", "+++ exited with 0 +++"],
         "the new image exits 0 as the only thread")
    T.check(any(re.fullmatch(r"\d+ +\+\+\+ superseded by execve in pid \d+ \+\+\+", l)
                for l in r.lines), "leader: '+++ superseded by execve in pid N +++' as strace -o",
            r.trace)


def test_process_nofollow():
    r = utrace("-e", FORK_SET, prog("forkexec"))
    T.exited(r.rc, 3, "exit code")
    T.eq([l for l in r.lines if l.startswith("[pid")], [], "no [pid N] lines without -f")
    T.check(not any('"/bin/true"' in l for l in r.lines), "child's execve not shown")
    tr = Trace(r.trace)
    T.eq(tr.names(tr.root()), ["execve", "clone", "wait4", "signal:SIGCHLD", "vfork", "wait4",
                               "signal:SIGCHLD", "signal:SIGUSR2", "exit_group",
                               "exit:exited with 3"], "parent's sequence")


# --------------------------------------------------------------------------------------------
# 5. Threads

# threads: 8 threads, 100 getpid calls each, 5 in main.
THREADS_ARGS = ["8", "0", "100", "5"]


def test_threads_getpid():
    r = utrace("-f", "-e", "trace=getpid", prog("threads"), *THREADS_ARGS)
    T.exited(r.rc, 0, "exit code")
    T.eq(r.err, "", "nothing on stderr with -o")
    tr = Trace(r.trace)
    T.eq(tr.problems, [], "every resumed call matches an unfinished one")
    calls = {p: tr.calls(p, "getpid") for p in tr.order}
    total = sum(len(c) for c in calls.values())
    T.eq(total, 805, "805 getpid calls (8 x 100 + 5 in main)")
    done = sum(1 for l in r.lines if re.search(r"(getpid\(\)|<\.\.\. getpid resumed>\)) += \d+$",
                                               l))
    T.eq(done, 805, "805 getpid results")
    T.eq(sum(1 for l in r.lines if l.endswith("getpid( <unfinished ...>")),
         sum(1 for l in r.lines if "<... getpid resumed>" in l), "unfinished/resumed pairs")
    counts = sorted(len(c) for c in calls.values())
    T.eq(counts, [5] + [100] * 8, "per thread: 5 in main, 100 in each of 8 threads")
    results = {e[2] for c in calls.values() for e in c}
    T.eq(len(results), 1, "every getpid returns the same tgid")
    T.eq(sum(1 for l in r.lines if l.endswith("+++ exited with 0 +++")), 9,
         "an exit line for each of the 9 threads (as strace)")


# --------------------------------------------------------------------------------------------
# 6. -c

HEADER = "% time     seconds  usecs/call     calls    errors syscall"
SEP = "------ ----------- ----------- --------- --------- ----------------"
ROW_RE = re.compile(r"^ *(\d+\.\d\d) +(\d+\.\d{6}) +(\d+) +(\d+) +(\d+)? +(\w+)$")


def summary_rows(lines):
    rows = {}
    for l in lines:
        m = ROW_RE.match(l)
        if m:
            rows[m.group(6)] = (int(m.group(4)), int(m.group(5) or 0), float(m.group(1)))
    return rows


def check_summary(lines, what):
    T.check(HEADER in lines, f"{what}: header line", "\n".join(lines))
    if HEADER not in lines:
        return {}
    i = lines.index(HEADER)
    T.eq(lines[i + 1] if i + 1 < len(lines) else None, SEP, f"{what}: separator after header")
    T.eq(lines[-2] if len(lines) >= 2 else None, SEP, f"{what}: separator before total")
    T.check(lines and ROW_RE.match(lines[-1]) and lines[-1].endswith(" total"),
            f"{what}: total row last", lines[-1:])
    body = lines[i + 2:-2]
    T.check(all(ROW_RE.match(l) for l in body), f"{what}: every row is well formed",
            "\n".join(body))
    rows = summary_rows(body)
    tot = summary_rows(lines[-1:]).get("total", (0, 0, 0))
    T.eq(tot[0], sum(v[0] for v in rows.values()), f"{what}: total calls is the sum")
    T.eq(tot[1], sum(v[1] for v in rows.values()), f"{what}: total errors is the sum")
    pct = sum(v[2] for v in rows.values())
    T.check(abs(pct - 100.0) < 0.5 * len(rows) / 100 + 0.2, f"{what}: % time sums to 100",
            pct)
    return rows


def test_count():
    r = utrace("-c", prog("counted"))
    T.exited(r.rc, 0, "exit code")
    rows = check_summary(r.lines, "-c")
    T.eq(rows.get("getpid", (0, 0))[:2], (1000, 0), "getpid: 1000 calls, 0 errors")
    T.eq(rows.get("chdir", (0, 0))[:2], (7, 7), "chdir: 7 calls, 7 errors")
    T.eq(rows.get("getppid", (0, 0))[:2], (3, 0), "getppid: 3 calls")
    T.eq(rows.get("execve", (0, 0))[:2], (1, 0), "execve: 1 call (as strace)")
    T.check(not any(l.startswith("getpid(") for l in r.lines), "-c prints no call lines")
    T.eq(r.lines[0] if r.lines else None, HEADER, "-c output starts with the header")


def test_count_C():
    r = utrace("-C", "-e", "trace=getpid,chdir", prog("counted"))
    T.exited(r.rc, 0, "exit code")
    T.eq(sum(1 for l in r.lines if re.fullmatch(r"getpid\(\) += \d+", l)), 1000,
         "-C: 1000 getpid lines")
    T.eq(sum(1 for l in r.lines if l.startswith('chdir("/nonexistent/utrace-e2e")') and
             l.endswith("= -1 ENOENT (No such file or directory)")), 7, "-C: 7 chdir lines")
    i = r.lines.index(HEADER) if HEADER in r.lines else len(r.lines)
    rows = check_summary(r.lines[i:], "-C")
    T.eq(sorted(rows), ["chdir", "getpid"], "-C with a trace set counts only the set")
    T.eq(rows.get("getpid", (0,))[0], 1000, "-C: getpid 1000")


def test_count_follow():
    r = utrace("-f", "-c", prog("forkexec"))
    T.exited(r.rc, 3, "exit code")
    rows = check_summary(r.lines, "-f -c")
    T.eq(rows.get("execve", (0,))[0], 3, "execve counted in all 3 processes")
    T.eq(rows.get("wait4", (0,))[0], 2, "wait4: 2")
    T.eq(rows.get("clone", (0,))[0], 1, "clone: 1")
    T.eq(rows.get("vfork", (0,))[0], 1, "vfork: 1")
    T.check("exit_group" not in rows, "exit_group not counted (never returns; as strace)")


# --------------------------------------------------------------------------------------------
# 7. Attach and detach

def detached_ok(pid, what, want_state=None):
    st = proc_status(pid)
    if not T.check(st is not None, f"{what}: still running"):
        return
    T.eq(st.get("TracerPid"), "0", f"{what}: TracerPid 0 after detach")
    state = st.get("State", "")
    if want_state:
        # A group-stop is re-armed by the kernel as the thread leaves its ptrace-stop, so the
        # thread may show R for a moment before it stops again.
        wait_for(lambda: (proc_status(pid) or {}).get("State", "").startswith(want_state),
                 timeout=2)
        state = (proc_status(pid) or {}).get("State", "")
        T.check(state.startswith(want_state), f"{what}: state {want_state}", state)
    else:
        T.check(not state.startswith("t"), f"{what}: not in tracing stop", state)


def attach_run(pids, secs=0.5, extra=(), sig=signal.SIGINT):
    path = os.path.join(S.tmp, f"attach{time.monotonic_ns()}.txt")
    u = spawn([S.tracer, "-o", path] + list(extra) + ["-p", ",".join(map(str, pids))])
    traced = wait_for(lambda: all(proc_status(p) and proc_status(p).get("TracerPid") != "0"
                                  for p in pids), timeout=5)
    T.check(traced, "tracee has a tracer while utrace runs")
    time.sleep(secs)
    u.send_signal(sig)
    try:
        out, err = u.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        T.check(False, "utrace exits within 10 s of SIGINT")
        os.killpg(u.pid, signal.SIGKILL)
        out, err = u.communicate()
    return Result(u.returncode, out.decode(), err.decode(),
                  open(path).read() if os.path.exists(path) else "")


def strace_can_attach(pid):
    if not STRACE:
        return
    s = spawn([STRACE, "-p", str(pid), "-e", "trace=none"])
    wait_for(lambda: proc_status(pid) and proc_status(pid).get("TracerPid") == str(s.pid),
             timeout=5)
    time.sleep(0.3)
    s.send_signal(signal.SIGINT)
    out, err = s.communicate(timeout=10)
    err = err.decode()
    # strace re-raises the SIGINT it got after detaching
    T.check(s.returncode in (0, -signal.SIGINT) and "attached" in err,
            "strace can attach afterwards",
            f"rc={s.returncode} {err}")


def test_attach_single():
    p, cfile = start_looper()
    r = attach_run([p.pid])
    T.exited(r.rc, 0, "utrace exits 0 on SIGINT after -p")
    T.eq(r.err.splitlines(), [f"utrace: Process {p.pid} attached",
                              f"utrace: Process {p.pid} detached"], "attach/detach messages")
    pw = [l for l in r.lines if l.startswith("pwrite64(")]
    T.check(len(pw) >= 10, "at least 10 pwrite64 calls in 0.5 s", r.trace)
    bad = [l for l in pw if not re.fullmatch(
        r'pwrite64\(3, "\d{20}\\n", 21, 0\) += 21', l)]
    T.eq(bad, [], "pwrite64 lines well formed")
    T.check(any(re.match(r"(clock_)?nanosleep\(", l) for l in r.lines), "nanosleep calls seen")
    detached_ok(p.pid, "looper")
    T.check(progresses(cfile), "looper keeps running after detach")
    strace_can_attach(p.pid)
    T.check(progresses(cfile), "looper keeps running after strace")
    r = attach_run([p.pid], secs=0.2, sig=signal.SIGTERM)
    T.exited(r.rc, 0, "SIGTERM: utrace detaches and exits 0")
    detached_ok(p.pid, "looper after SIGTERM to utrace")
    T.check(progresses(cfile), "looper keeps running after the second detach")


def test_attach_threads():
    p, cfile = start_looper(8)
    tids = sorted(int(t) for t in os.listdir(f"/proc/{p.pid}/task"))
    r = attach_run([p.pid])
    T.exited(r.rc, 0, "exit code")
    seen = sorted({split_prefix(l)[0] for l in r.lines if split_prefix(l)[0] is not None})
    T.eq(seen, tids, "every thread id appears in [pid N] prefixes")
    for t in tids:
        st = proc_status(t)
        T.check(st and st.get("TracerPid") == "0" and not st.get("State", "").startswith("t"),
                f"thread {t} detached and running", st and st.get("State"))
    T.check(progresses(cfile), "looper keeps running after detach")
    strace_can_attach(p.pid)


def test_attach_stopped():
    p, cfile = start_looper()
    os.kill(p.pid, signal.SIGSTOP)
    T.check(wait_for(lambda: proc_status(p.pid)["State"].startswith("T")), "stopped before")
    r = attach_run([p.pid], secs=0.3)
    T.exited(r.rc, 0, "exit code")
    detached_ok(p.pid, "stopped looper", want_state="T")
    T.check(not progresses(cfile, timeout=0.3), "stays stopped after detach")
    os.kill(p.pid, signal.SIGCONT)
    T.check(progresses(cfile), "runs again after SIGCONT")


def test_attach_two():
    p1, c1 = start_looper()
    p2, c2 = start_looper()
    r = attach_run([p1.pid, p2.pid])
    T.exited(r.rc, 0, "exit code")
    seen = {split_prefix(l)[0] for l in r.lines}
    T.eq(seen, {p1.pid, p2.pid}, "-p A,B: both traced, lines prefixed")
    detached_ok(p1.pid, "first")
    detached_ok(p2.pid, "second")
    T.check(progresses(c1) and progresses(c2), "both keep running")


# --------------------------------------------------------------------------------------------
# 8. Bad input

def one_line_error(r, what, must=()):
    T.exited(r.rc, 1, f"{what}: exit code 1")
    errl = r.err.splitlines()
    ok = len(errl) == 1 and errl[0].startswith("utrace: ") and all(m in errl[0] for m in must)
    T.check(ok, f"{what}: one line 'utrace: ...' mentioning {list(must)}", r.err)
    return errl[0] if errl else ""


def test_bad_command():
    r = utrace("--", "/nonexistent/x", outfile=False)
    one_line_error(r, "missing command", ["/nonexistent/x"])
    # like strace: the child's execve fails, "utrace: exec: ..." and exit status 1
    r = utrace("/etc/hostname")
    one_line_error(r, "not executable", ["Exec format error"])
    T.check(re.fullmatch(r'execve\("/etc/hostname", \["/etc/hostname"\], 0x[0-9a-f]+ '
                         r'/\* \d+ vars \*/\) += -1 ENOEXEC \(Exec format error\)',
                         r.lines[0] if r.lines else ""), "not executable: failed execve shown",
            r.trace)


def test_bad_pid():
    pid = 999999
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    r = utrace("-p", str(pid), outfile=False)
    one_line_error(r, "no such pid", [str(pid)])
    for bad in ("0", "abc", "-5"):
        r = utrace("-p", bad, outfile=False)
        one_line_error(r, f"-p {bad}")


def test_bad_already_traced():
    p, cfile = start_looper()
    t = spawn([prog("ptracer"), str(p.pid)])
    line = t.stdout.readline().decode()
    T.eq(line, "seized\n", "helper holds a ptrace seize")
    r = utrace("-p", str(p.pid), outfile=False)
    err = one_line_error(r, "already traced", [str(p.pid)])
    T.check(re.search(r"already traced", err, re.I), "message says it is already traced", err)
    T.eq(proc_status(p.pid).get("TracerPid"), str(t.pid), "the other tracer keeps it")
    T.check(progresses(cfile), "tracee undisturbed")
    if STRACE:
        os.killpg(t.pid, signal.SIGKILL)
        t.wait()
        wait_for(lambda: proc_status(p.pid).get("TracerPid") == "0")
        s = spawn([STRACE, "-p", str(p.pid), "-o", "/dev/null"])
        wait_for(lambda: proc_status(p.pid).get("TracerPid") == str(s.pid), timeout=5)
        r = utrace("-p", str(p.pid), outfile=False)
        err = one_line_error(r, "traced by strace", [str(p.pid)])
        T.check(re.search(r"already traced", err, re.I), "strace: says already traced", err)


def test_setuid_notice():
    """A set-user-ID program started by a tracer without privileges runs without them (the
    kernel ignores set-ID bits under ptrace): one notice says so, and the program still runs."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv:
        raise Skip("needs root (to make a set-user-ID copy) and setpriv")
    d = tempfile.mkdtemp(prefix="utrace-setuid-")
    try:
        os.chmod(d, 0o755)
        ids = os.path.join(d, "id")
        shutil.copy("/usr/bin/id", ids)
        os.chmod(ids, 0o4755)
        plain = subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                ids, "-u"], capture_output=True, text=True)
        T.eq(plain.stdout, "0\n", "untraced, the set-user-ID copy runs as root", plain.stderr)
        r = run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", S.tracer,
                 "-e", "trace=none", ids, "-u"], outfile=False)
        T.eq((r.rc, r.out), (0, "%d\n" % pwd.getpwnam("nobody").pw_uid),
             "traced, it runs as the tracer's user", r)
        T.eq(r.err.splitlines()[:1],
             [f"utrace: {ids} is set-user-ID: traced, it runs with your credentials, not its "
              "owner's (the kernel ignores set-ID bits under ptrace)"], "one notice line", r.err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_bad_usage():
    r = utrace(outfile=False)
    T.exited(r.rc, 1, "no arguments: exit code 1")
    T.check("usage: utrace" in r.err, "no arguments: usage on stderr", r.err)
    T.eq(r.out, "", "no arguments: nothing on stdout")
    data = data_file()
    cases = [
        (["-e", "signal=SIGNOPE", prog("fmtseq"), data], ["SIGNOPE"]),
        (["-e", "frob=1", prog("fmtseq"), data], ["frob"]),
        (["-s", "x", prog("fmtseq"), data], []),
        (["-o", "/nonexistent/dir/f", prog("fmtseq"), data], ["/nonexistent/dir/f"]),
        (["-p", str(os.getpid()), prog("fmtseq"), data], []),
    ]
    for args, must in cases:
        r = utrace(*args, outfile=False)
        one_line_error(r, " ".join(a for a in args if a != data), must)
        T.eq(r.out, "", f"{args[:2]}: command not run")


# --------------------------------------------------------------------------------------------
# 9. Peer check against strace

def seq_key(tr, pid):
    return tuple(tr.names(pid))


def peer_compare(argv, traceset, what, signals=False, env=None):
    """strace -f -qq and utrace -f on the same command: the same multiset of per-thread
    sequences of syscall names (unfinished/resumed merged), and the same sequence for the
    command's own thread.  -qq drops strace's exit lines, so exits are not compared; signals
    only where their place in the sequence is deterministic."""
    need_strace()
    eargs = ["-e", f"trace={traceset}"] if traceset else []
    s = run([STRACE, "-f", "-qq"] + eargs + argv, env=env)
    u = run([S.tracer, "-f"] + eargs + argv, env=env)
    T.exited(u.rc, s.rc if s.rc >= 0 else 128 - s.rc, f"{what}: same exit code as strace")
    st, ut = Trace(s.trace), Trace(u.trace)
    T.eq(ut.problems, [], f"{what}: utrace output parses")
    kinds = ("call", "signal") if signals else ("call",)
    sseq = [q for q in (tuple(st.names(p, kinds, signals)) for p in st.order) if q]
    useq = [q for q in (tuple(ut.names(p, kinds, signals)) for p in ut.order) if q]
    T.eq(len(useq), len(sseq), f"{what}: same number of threads/processes")
    if sseq and useq:
        same_root = sseq[0] == useq[0]
        T.check(same_root, f"{what}: the command's own sequence",
                "\n".join(difflib.unified_diff(list(sseq[0]), list(useq[0]), "strace",
                                               "utrace", lineterm="")))
    missing = list(sseq)
    extra = []
    for q in useq:
        if q in missing:
            missing.remove(q)
        else:
            extra.append(q)
    detail = []
    for q in extra:
        best = max(missing, key=lambda m: difflib.SequenceMatcher(None, m, q).ratio(),
                   default=())
        detail.append("--- a process whose sequence strace never printed; closest:")
        detail += difflib.unified_diff(list(best), list(q), "strace", "utrace", lineterm="")
    for q in missing:
        detail.append("--- strace process without a utrace match: " + " ".join(q))
    T.check(not extra and not missing, f"{what}: per-process syscall sequences match",
            "\n".join(detail))


C_ENV = dict(os.environ, LC_ALL="C", LANG="C")
PIPE_SET = "openat,close,read,write,execve,clone,clone3,vfork,wait4,exit_group"


def test_peer_pipeline_file():
    peer_compare(["sh", "-c", "echo hi | cat > /dev/null"], "%file", "sh pipeline %file",
                 env=C_ENV)


def test_peer_pipeline_set():
    peer_compare(["sh", "-c", "echo hi | cat > /dev/null"], PIPE_SET, "sh pipeline list",
                 env=C_ENV)


def test_peer_ls():
    peer_compare(["ls", "/"], None, "ls / (all)", env=C_ENV)


def test_peer_threads():
    argv = [prog("threads")] + THREADS_ARGS
    peer_compare(argv, "!futex,madvise,munmap,mmap,mprotect,sched_yield",
                 "threads (all but futex and memory)")
    peer_compare(argv, "getpid,exit,exit_group,clone3,rseq,set_robust_list",
                 "threads (getpid, exit, clone3)")


def test_peer_forkexec():
    peer_compare([prog("forkexec")], None, "forkexec (all)", signals=True)
    peer_compare([prog("forkexec")], "%process", "forkexec %process", signals=True)
    peer_compare([prog("mtexec")], "execve,exit_group,exit,clone3", "exec in a thread")


def test_peer_classes():
    data = data_file()
    peer_compare([prog("fmtseq"), data], "%memory", "fmtseq %memory")
    peer_compare([prog("fmtseq"), data], "!write,read", "fmtseq !write,read")
    peer_compare([prog("sigself"), "handler"], "%signal", "sigself %signal", signals=True)
    peer_compare([prog("demo_forkexec")], "%process,%signal", "demo %process,%signal")
    net = ("import socket\n"
           "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
           "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
           "s.bind(('127.0.0.1', 0))\n"
           "s.sendto(b'x', s.getsockname())\n"
           "s.recvfrom(1)\n")
    peer_compare([os.path.realpath(sys.executable), "-S", "-c", net], "%network",
                 "python udp %network")


# --------------------------------------------------------------------------------------------
# 10. Ctrl-C while running a command

def ctrlc_case(sig, rc_want, name):
    path = os.path.join(S.tmp, f"ctrlc{sig}.txt")
    u = spawn([S.tracer, "-o", path, "--", "sleep", "10"])

    def sleeper():
        for pid in session_members(u.pid):
            st = proc_status(pid)
            if st and st.get("Name") == "sleep" and st.get("TracerPid") == str(u.pid) and \
                    st.get("State", "").startswith("S"):
                return pid
        return None
    child = wait_for(sleeper, timeout=5)
    T.check(child, f"{name}: sleep runs under utrace")
    time.sleep(0.1)
    t0 = time.monotonic()
    u.send_signal(sig)
    try:
        u.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    dt = time.monotonic() - t0
    T.exited(u.returncode, rc_want, f"{name}: utrace exits {rc_want}")
    T.check(dt < 5, f"{name}: within 5 s", dt)
    left = wait_for(lambda: not session_members(u.pid), timeout=2)
    T.check(left, f"{name}: no process left", session_members(u.pid))
    trace = open(path).read().splitlines() if os.path.exists(path) else []
    signame = signal.Signals(sig).name
    T.eq(trace[-1:], [f"+++ killed by {signame} +++"], f"{name}: child killed by {signame}")


def test_ctrlc():
    ctrlc_case(signal.SIGINT, 130, "SIGINT")


def test_ctrlc_term():
    ctrlc_case(signal.SIGTERM, 143, "SIGTERM")


# --------------------------------------------------------------------------------------------
# Demo

def test_demo():
    r = utrace("-f", "-c", prog("demo_forkexec"))
    T.exited(r.rc, 0, "exit code 0")
    T.eq(r.out, "hello\n", "the child's echo output")
    rows = check_summary(r.lines, "demo -f -c")
    for n in ("execve", "wait4", "kill"):
        T.check(n in rows, f"summary has {n}", "\n".join(r.lines))
    T.check(any(n in rows for n in ("clone", "clone3", "fork", "vfork")),
            "summary has clone/fork", "\n".join(r.lines))
    T.eq(rows.get("execve", (0,))[0], 2, "execve: 2 (demo and echo)")


GROUPS = {
    "format": [test_format_lines, test_format_execve, test_format_stderr_default,
               test_format_strsize, test_format_T, test_format_t, test_format_tt],
    "traceset": [test_traceset_file, test_traceset_not, test_traceset_none,
                 test_traceset_unknown],
    "signals": [test_signal_handler, test_signal_term, test_signal_abort, test_signal_none,
                test_signal_restart],
    "process": [test_process_follow, test_process_nofollow, test_process_mtexec],
    "threads": [test_threads_getpid],
    "count": [test_count, test_count_C, test_count_follow],
    "attach": [test_attach_single, test_attach_threads, test_attach_stopped, test_attach_two],
    "badinput": [test_bad_command, test_bad_pid, test_bad_already_traced, test_bad_usage,
                 test_setuid_notice],
    "peer": [test_peer_pipeline_file, test_peer_pipeline_set, test_peer_ls, test_peer_threads,
             test_peer_forkexec, test_peer_classes],
    "ctrlc": [test_ctrlc, test_ctrlc_term],
    "demo": [test_demo],
}


def main():
    return S.main(GROUPS, "--utrace")


if __name__ == "__main__":
    sys.exit(main())
