"""TAP output for the end-to-end test scripts: one `ok N - case: what` line per check, details
as `#` lines, `# TODO` for known bugs (reported, not failed), `# SKIP` for cases that cannot
run here.  Shared by tests/e2e/e2e.py, tests/e2e/uprobes_e2e.py and tests/ustap/ustap_e2e.py:
Session (what one script's cases share: the TAP stream, the processes they start, a scratch
directory, the tracee programs, the command line and main()), Children (the processes a case
starts and kills), Result (what a run of a tracer gave) and the helpers they all need:
describe_rc, proc_status, wait_for, wait_exec and split_prefix."""
import argparse
import difflib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback


def describe_rc(rc):
    """A subprocess return code in words: "exited 3", "killed by SIGTRAP"."""
    if rc is None:
        return "still running"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exited {rc}"


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

    def exited(self, rc, want, what, detail=None, todo=None):
        """rc (a subprocess return code) is a normal exit with code want; a failure says what
        happened instead: "killed by SIGTRAP", or "exited 133" for a tracer that reports its
        tracee's SIGTRAP as 128+5."""
        d = f"expected: {describe_rc(want)}\ngot:      {describe_rc(rc)}"
        if rc is not None and rc > 128:
            try:
                d += f" (128 + {signal.Signals(rc - 128).name})"
            except ValueError:
                pass
        if detail is not None:
            d += f"\n{detail}"
        return self.check(rc == want, what, d, todo=todo)

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


class Session:
    """What the cases of one test script share: the TAP stream (tap), the processes they start
    (spawn, killed by cleanup after each case), a scratch directory (tmp, removed at the end),
    the tracee programs given with --progs (prog(name), by file name), the tracer under test
    (tracer, from --utrace or --ustap) and the parsed command line (args)."""

    def __init__(self, tmp_prefix):
        self.tap = Tap()
        self.children = Children()
        self.tmp_prefix = tmp_prefix
        self.tmp = None
        self.progs = {}
        self.tracer = None
        self.args = None
        self._files = 0

    def spawn(self, argv, **kw):
        kw.setdefault("cwd", self.tmp)
        return self.children.spawn(argv, **kw)

    def cleanup(self):
        """Kill what a case started (SIGKILL to each of its own process groups) and reap it."""
        self.children.cleanup()

    def prog(self, name):
        if name not in self.progs:
            raise AssertionError(f"program {name} was not given with --progs")
        return self.progs[name]

    def scratch(self, stem, suffix=".txt"):
        """A path in tmp that no other call returned: STEM1.txt, STEM2.txt..."""
        self._files += 1
        return os.path.join(self.tmp, f"{stem}{self._files}{suffix}")

    def run(self, argv, timeout=60, outfile=True, **kw):
        """Run argv (a tracer) to completion.  With outfile, "-o FILE" is inserted after
        argv[0] and the trace is that file's content; else the trace is stderr."""
        path = None
        if outfile:
            path = self.scratch("trace")
            argv = [argv[0], "-o", path] + list(argv[1:])
        p = self.spawn(argv, **kw)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            raise AssertionError(f"timed out after {timeout}s: {argv}\nstderr: {err.decode()}")
        trace = err.decode(errors="replace")
        if path:
            trace = open(path, errors="replace").read() if os.path.exists(path) else ""
        return Result(p.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                      trace)

    def main(self, groups, tracer, options=()):
        """Parse the command line, run the cases of the chosen groups (see Tap.run_groups) and
        return the exit status.  The options are --group GROUP (repeatable, "all" by default),
        --case NAME (repeatable: only these case functions), tracer (the tracer's option, such
        as "--utrace", PATH), --progs PROG... and the given options, each an (option, metavar,
        help) triple of a required path."""
        ap = argparse.ArgumentParser()
        ap.add_argument("--group", action="append", choices=sorted(groups) + ["all"])
        ap.add_argument("--case", action="append", help="run only these test functions")
        ap.add_argument(tracer, required=True, metavar="PATH", help="the tracer under test")
        ap.add_argument("--progs", nargs="+", default=[], metavar="PROG",
                        help="the tracee programs (tests/progs), known by their file names")
        for opt, metavar, help in options:
            ap.add_argument(opt, required=True, metavar=metavar, help=help)
        self.args = ap.parse_args()
        self.tracer = os.path.abspath(getattr(self.args, tracer.lstrip("-")))
        for p in self.args.progs:
            self.progs[os.path.basename(p)] = os.path.abspath(p)
        self.tmp = tempfile.mkdtemp(prefix=self.tmp_prefix)
        try:
            return self.tap.run_groups(groups, self.args.group, self.args.case, self.cleanup)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


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


def wait_exec(pid, path, timeout=10.0):
    """Whether process pid runs the program path (it has exec'd it) within timeout seconds: a
    process just started runs Python's fork child first."""
    def runs():
        try:
            return os.readlink(f"/proc/{pid}/exe") == os.path.realpath(path)
        except OSError:
            return False
    return wait_for(runs, timeout)


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
