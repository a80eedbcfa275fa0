#!/usr/bin/env python3
# One golden case of ustap: runs it in this directory and compares, byte for byte, its stdout
# with CASE.p1 (exit 0 expected) or its stderr with CASE.err (exit 1 expected).  Cases that run
# a script use CASE.out for stdout: alone it means exit 0 and an empty stderr; with CASE.err
# both streams are compared and exit 1 is expected (a runtime error after some output).
#
# usage: run_golden.py USTAP CASE
# CASE.args, when present, holds the command line (shell words; {} is CASE.stp); otherwise it
# is "CASE.stp" for run_ and ex_ cases and "-p1 CASE.stp" for the others.  USTAP_RANDOM_SEED=1 is set so that randint() is reproducible.
# UPDATE_GOLDEN=1 rewrites the expected files from what ustap printed.
import os
import shlex
import subprocess
import sys


def main():
    ustap, case = os.path.abspath(sys.argv[1]), sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    os.chdir(here)
    stp = case + ".stp"
    if os.path.exists(case + ".args"):
        with open(case + ".args") as f:
            words = shlex.split(f.read())
        args = [stp if w == "{}" else w for w in words]
    elif case.startswith(("run_", "ex_")):
        args = [stp]
    else:
        args = ["-p1", stp]
    env = dict(os.environ, USTAP_RANDOM_SEED="1")
    proc = subprocess.run([ustap] + args, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                          env=env)
    out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")

    if os.path.exists(case + ".out") or (os.environ.get("UPDATE_GOLDEN") and
                                         case.startswith(("run_", "ex_"))):
        return run_case(case, proc.returncode, out, err)

    if os.environ.get("UPDATE_GOLDEN"):
        keep, drop, text = (".p1", ".err", out) if proc.returncode == 0 else (".err", ".p1", err)
        with open(case + keep, "w") as f:
            f.write(text)
        if os.path.exists(case + drop):
            os.remove(case + drop)
        print("updated %s%s" % (case, keep))
        return 0

    if os.path.exists(case + ".p1"):
        want_rc, stream, got, other = 0, ".p1", out, err
    elif os.path.exists(case + ".err"):
        want_rc, stream, got, other = 1, ".err", err, out
    else:
        print("no %s.p1 or %s.err; run with UPDATE_GOLDEN=1" % (case, case))
        return 1
    with open(case + stream) as f:
        want = f.read()
    ok = True
    if proc.returncode != want_rc:
        print("exit status %d, want %d" % (proc.returncode, want_rc))
        ok = False
    if got != want:
        import difflib
        print("%s differs:" % (case + stream))
        sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                   case + stream, "ustap"))
        ok = False
    if want_rc == 0 and other:
        print("unexpected stderr:\n" + other)
        ok = False
    return 0 if ok else 1


def compare(name, want, got):
    if want == got:
        return True
    import difflib
    print("%s differs:" % name)
    sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                               name, "ustap"))
    return False


def run_case(case, rc, out, err):
    """A run case: CASE.out (stdout) and, for exit 1, CASE.err (stderr)."""
    if os.environ.get("UPDATE_GOLDEN"):
        with open(case + ".out", "w") as f:
            f.write(out)
        if rc != 0:
            with open(case + ".err", "w") as f:
                f.write(err)
        elif os.path.exists(case + ".err"):
            os.remove(case + ".err")
        print("updated %s.out" % case)
        return 0
    with open(case + ".out") as f:
        want_out = f.read()
    want_err, want_rc = "", 0
    if os.path.exists(case + ".err"):
        with open(case + ".err") as f:
            want_err = f.read()
        want_rc = 1
    ok = compare(case + ".out", want_out, out) & compare(case + ".err (stderr)", want_err, err)
    if rc != want_rc:
        print("exit status %d, want %d" % (rc, want_rc))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
