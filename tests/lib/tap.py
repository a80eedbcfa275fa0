"""TAP output for the end-to-end test scripts: one `ok N - case: what` line per check, details
as `#` lines, `# TODO` for known bugs (reported, not failed), `# SKIP` for cases that cannot
run here.  Shared by tests/e2e/e2e.py and tests/e2e/uprobes_e2e.py, with Children, the processes a case
starts and kills, and the helpers both need: Result (what a run of the tracer gave),
proc_status, wait_for and split_prefix."""
import difflib
import os
import re
import signal
import subprocess
import sys
import time
import traceback


class Skip(Exception):
    pass


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.todo_failed = 0
        self.skipped = 0
        self.cases = 0
        self.case = ""

    def check(self, cond, what, detail=None, todo=None):
        self.n += 1
        name = f"{self.case}: {what}" if self.case else what
        directive = f" # TODO {todo}" if todo else ""
        if cond:
            print(f"ok {self.n} - {name}{directive}")
        else:
            if todo:
                self.todo_failed += 1
            else:
                self.failed += 1
            print(f"not ok {self.n} - {name}{directive}")
            if detail is not None:
                lines = str(detail).rstrip("\n").splitlines()
                if len(lines) > 60:
                    lines = lines[:30] + [f"... {len(lines) - 60} lines ..."] + lines[-30:]
                for line in lines:
                    print(f"#   {line}")
        sys.stdout.flush()
        return bool(cond)

    def eq(self, got, want, what, detail=None, todo=None):
        d = f"expected: {want!r}\ngot:      {got!r}"
        if detail is not None:
            d += f"\n{detail}"
        return self.check(got == want, what, d, todo=todo)

    def match(self, pattern, text, what, flags=0):
        m = re.search(pattern, text, flags)
        self.check(m is not None, what, f"pattern: {pattern!r}\nin:\n{text}")
        return m

    def lines_eq(self, got, want, what):
        """Lines equal; each wanted line is a literal unless it is a compiled regex."""
        ok = len(got) == len(want) and all(
            (w.fullmatch(g) is not None) if isinstance(w, re.Pattern) else g == w
            for g, w in zip(got, want))
        if ok:
            return self.check(True, what)
        wl = [w.pattern if isinstance(w, re.Pattern) else w for w in want]
        diff = "\n".join(difflib.unified_diff(wl, got, "expected", "actual", lineterm=""))
        return self.check(False, what, diff)

    def run(self, fn, cleanup):
        """Run one case; an exception is a failed check, Skip a skipped case."""
        self.case = fn.__name__
        self.cases += 1
        try:
            fn()
        except Skip as e:
            self.skipped += 1
            self.n += 1
            print(f"ok {self.n} - {fn.__name__} # SKIP {e}")
        except Exception:
            self.check(False, "raised an exception", traceback.format_exc())
        finally:
            cleanup()
            self.case = ""

    def run_groups(self, table, groups, only, cleanup):
        """Run the cases of the named groups of table ("all": every group), only those named
        in only when it is given; then the plan.  Returns the exit status: 1 on a failure,
        77 (meson's skip) when every case was skipped, else 0."""
        if not groups or "all" in groups:
            groups = list(table)
        print("TAP version 13")
        try:
            for g in groups:
                for fn in table[g]:
                    if not only or fn.__name__ in only:
                        self.run(fn, cleanup)
        finally:
            cleanup()
        print(f"1..{self.n}")
        print(f"# {self.n - self.failed - self.todo_failed} passed, {self.failed} failed, "
              f"{self.todo_failed} known bugs (TODO), {self.skipped} skipped cases")
        if self.failed:
            return 1
        if self.cases and self.skipped == self.cases:
            return 77
        return 0


class Children:
    """The processes a case started, each in a session of its own; cleanup() kills every
    process group with SIGKILL and reaps it."""

    def __init__(self):
        self.procs = []

    def spawn(self, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def cleanup(self):
        while self.procs:
            p = self.procs.pop()
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass


class Result:
    """What a run of the tracer gave: exit code, stdout, stderr and the trace (-o FILE)."""

    def __init__(self, rc, out, err, trace):
        self.rc, self.out, self.err, self.trace = rc, out, err, trace

    @property
    def lines(self):
        return self.trace.splitlines()

    @property
    def err_lines(self):
        return self.err.splitlines()

    def __repr__(self):
        t = self.trace
        if len(t) > 4000:
            t = t[:2000] + "\n...\n" + t[-2000:]
        return f"rc={self.rc}\n--- stdout:\n{self.out}--- stderr:\n{self.err}--- trace:\n{t}"


def proc_status(pid):
    """Fields of /proc/PID/status as a dict, or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except (FileNotFoundError, ProcessLookupError):
        return None


def wait_for(cond, timeout=10.0, step=0.01):
    """cond() once it is true, polling every step seconds; its last value after timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


PREFIX_RE = re.compile(r"^(?:\[pid\s+(\d+)\] |(\d+)\s+)?(.*)$")


def split_prefix(line):
    """(pid or None, body): strace's "[pid N] " (stderr) and "N  " (-o with -f) prefixes."""
    m = PREFIX_RE.match(line)
    pid = m.group(1) or m.group(2)
    return (int(pid) if pid else None), m.group(3)
