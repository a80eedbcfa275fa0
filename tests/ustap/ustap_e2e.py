#!/usr/bin/env python3
# End-to-end tests of ustap with process probes: real programs from tests/progs (probed,
# sysloop, threads) and tests/ustap/progs (greeter: string arguments and an SDT marker), run
# under the real binary; script output (-o FILE, so the tracee's own stdout stays apart),
# stderr and exit statuses are compared exactly.  One group of cases per Meson test.
#
# usage: ustap_e2e.py --group G --ustap USTAP --progs DIR --greeter GREETER --examples DIR
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

A = None


def run(args, cwd=None, timeout=60):
    with tempfile.NamedTemporaryFile("r", suffix=".out") as out:
        p = subprocess.run([A.ustap, "-o", out.name] + args, cwd=cwd or A.progs,
                           capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, out.read(), p.stderr.decode(), p.stdout.decode()


def run_plain(args):
    p = subprocess.run([A.ustap] + args, cwd=A.progs, capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


failures = []


def check(name, got, want):
    if got != want:
        failures.append("%s:\n  got  %r\n  want %r" % (name, got, want))


def probed():
    return os.path.join(os.path.realpath(A.progs), "probed")


def g_functions():
    rc, out, err, _ = run(["-c", "./probed recurse 5", "-e",
                           'probe process("./probed").function("fact") { printf("%d\\n", int_arg(1)) }'])
    check("fact int_arg rc", rc, 0)
    check("fact int_arg", out, "5\n4\n3\n2\n1\n")
    check("fact int_arg stderr", err, "")
    rc, out, err, _ = run(["-c", "./probed recurse 5", "-e",
                           'probe process("./probed").function("fact").return '
                           '{ printf("%s=%d %d\\n", ppfunc(), $return, returnval()) }'])
    check("fact return", (rc, out), (0, "fact=1 1\nfact=2 2\nfact=6 6\nfact=24 24\nfact=120 120\n"))
    rc, out, err, _ = run(["-c", "./probed recurse 3", "-e",
                           'probe process("./probed").function("fact").call { '
                           'printf("%d %d %s %s %s %d\\n", register("rdi"), u_register("edi"), '
                           'usymname(uaddr()), probefunc(), probemod(), umodname(uaddr()) == "EXE") }'
                           .replace("EXE", probed())])
    check("fact context", (rc, out, err), (0, "3 3 fact fact probed 1\n2 2 fact fact probed 1\n"
                                              "1 1 fact fact probed 1\n", ""))
    rc, out, err, _ = run(["-c", "./probed recurse 2", "-e",
                           'probe process("./probed").function("f*").return, '
                           'process("./probed").function("deep") { printf("%s|%s\\n", pp(), pn()) }'])
    want = 'process("%s").function("frame_dummy").return|process("./probed").function("f*").return\n' % probed()
    want += ('process("%s").function("fact").return|process("./probed").function("f*").return\n' % probed()) * 2
    want += 'process("%s").function("deep")|process("./probed").function("deep")\n' % probed() * 3
    check("pp pn", (rc, out), (0, want))


def g_events():
    rc, out, err, _ = run(["-c", "./probed recurse 2", "-e",
                           'probe process.begin { printf("begin %s %d\\n", execname(), pid() == target()) } '
                           'probe process("./probed").end { printf("end %s\\n", execname()) } '
                           'probe end { printf("done\\n") }'])
    check("begin end", (rc, out, err), (0, "begin probed 1\nend probed\ndone\n", ""))
    rc, out, err, _ = run(["-c", "./threads 3", "-e",
                           'global b, e; probe process.thread.begin { b++ } '
                           'probe process.thread.end { e++ } probe end { printf("%d %d\\n", b, e) }'])
    check("threads", (rc, out, err), (0, "3 3\n", ""))
    rc, out, err, _ = run(["-c", "./probed fork 4", "-e",
                           'global c, b; probe process("./probed").function("f_push") '
                           '{ c[pid() == target() ? "parent" : "child"]++ } probe process.begin { b++ } '
                           'probe end { printf("%d %d %d\\n", c["parent"], c["child"], b) }'])
    check("fork", (rc, out, err), (0, "4 4 2\n", ""))


def g_syscalls():
    rc, out, err, _ = run(["-c", "./sysloop 7 3", "-e",
                           'global n, r; probe process.syscall { if ($syscall == 39) n++ } '
                           'probe process.syscall.return { if ($syscall == 39 && $return == pid()) r++ } '
                           'probe end { printf("%d %d\\n", n, r) }'])
    check("syscalls", (rc, out, err), (0, "7 7\n", ""))


def g_strings():
    rc, out, err, _ = run(["-c", A.greeter + " 3", "-e",
                           'probe process("%s").function("greet") '
                           '{ printf("%%s %%d\\n", user_string(pointer_arg(1), "<null>"), int_arg(2)) } '
                           'probe process("%s").mark("greeted") { printf("%%s %%d %%d\\n", $$name, $arg1, $arg2) }'
                           % (A.greeter, A.greeter)])
    check("strings marks", (rc, out, err),
          (0, "hello 1\ngreeted 1 5\nworld 2\ngreeted 2 10\nhello 3\ngreeted 3 15\n<null> 0\n", ""))
    rc, out, err, _ = run(["-c", A.greeter + " 1", "-e",
                           'probe process("%s").function("greet") { printf("%%s\\n", user_string(pointer_arg(1))) }'
                           % A.greeter])
    check("copy fault rc", rc, 1)
    check("copy fault out", out, "hello\n")
    check("copy fault err", err,
          "ERROR: user string copy fault -14 at 0x0000000000000000 [man error::fault] near "
          "identifier 'user_string' at <input>:1:%d\n"
          "WARNING: Number of errors: 1, skipped probes: 0\n"
          "Pass 5: run failed.  [man error::pass5]\n" % (len('probe process("%s").function("greet") { printf("%%s\\n", ' % A.greeter) + 1))
    rc, out, err, _ = run(["-c", A.greeter + " 1", "-e",
                           'probe process("%s").function("greet") { printf("[%%s] %%d %%s\\n", '
                           'user_string_n(pointer_arg(1), 3, "-"), user_int(0), env_var("USTAP_E2E")) }'
                           % A.greeter])
    check("user_string_n", (rc, out, err), (0, "[hel] 0 yes\n[-] 0 yes\n", ""))


def g_errors():
    src = 'probe process("./probed").function("nosuch") {}'
    rc, out, err = run_plain(["-p2", "-e", src])
    check("no match", (rc, err), (1,
          "semantic error: while resolving probe point: identifier 'process' at <input>:1:7\n"
          "        source: " + src + "\n"
          "                      ^\n\n"
          "semantic error: no match (similar functions: f_push, f_step, fact, on_segv, _fini)\n\n"
          "Pass 2: analysis failed.  [man error::pass2]\n"))
    src = 'probe process("./nonexist").function("main") {}'
    rc, out, err = run_plain(["-p2", "-e", src])
    check("missing binary", (rc, err.splitlines()[4]), (1,
          "semantic error: cannot find executable './nonexist': identifier 'process' at <input>:1:7"))
    rc, out, err = run_plain(["-p2", "-e", 'probe process("./probed").library("libnope.so").function("x") {}'])
    check("missing library", (rc, err.splitlines()[4].split(":")[1]), (1,
          " cannot find library 'libnope.so' (not in LD_LIBRARY_PATH or the system directories)"))
    rc, out, err = run_plain(["-e", 'probe process("./probed").function("fact") {}'])
    check("no target", (rc, err), (1, "ERROR: process probes need a target process: use -c CMD or -x PID\n"))


def g_list():
    rc, out, err = run_plain(["-l", 'process("./probed").function("f_s*")'])
    p = probed()
    check("-l", (rc, out, err), (0, 'process("%s").function("f_step")\nprocess("%s").function("f_store")\n'
                                 'process("%s").function("f_syscall")\n' % (p, p, p), ""))
    rc, out, err = run_plain(["-L", 'process("./probed").function("fact").return'])
    check("-L return", (rc, out), (0, 'process("%s").function("fact").return $return:long\n' % p))
    rc, out, err = run_plain(["-L", 'process("%s").mark("*")' % A.greeter])
    check("-L mark", (rc, out), (0, 'process("%s").mark("greeted") $arg1:long $arg2:long\n' % A.greeter))


def g_attach():
    spin = subprocess.Popen([probed(), "spin"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.2)
        rc, out, err, _ = run(["-x", str(spin.pid), "-e",
                               'global n; probe process("./probed").function("f_push") '
                               '{ if (++n == 3) exit() } probe end { printf("%d %d\\n", n, target()) }'])
        check("attach", (rc, out, err), (0, "3 %d\n" % spin.pid, ""))
        time.sleep(0.3)
        check("attach: still running", spin.poll(), None)
    finally:
        spin.send_signal(signal.SIGKILL)
        spin.wait()
    check("attach: not killed by a trap", spin.returncode, -signal.SIGKILL)
    rc, out, err, _ = run(["-c", "./probed spin", "-e",
                           'global n; probe process("./probed").function("f_push") '
                           '{ if (++n == 2) exit() } probe end { printf("%d\\n", n) }'])
    check("exit with -c", (rc, out, err), (0, "2\n", ""))


def example(name):
    return os.path.join(A.examples, name)


def g_examples():
    rc, out, err, _ = run([example("ucalls.stp"), "./probed", "-c", "./probed calls 3"])
    check("ucalls", (rc, err), (0, ""))
    lines = {l.split()[0]: int(l.split()[1]) for l in out.splitlines()}
    check("ucalls counts", {k: lines.get(k) for k in ("main", "calls", "f_push", "f_step", "f_riprel", "_start")},
          {"main": 1, "calls": 1, "f_push": 3, "f_step": 3, "f_riprel": 3, "_start": 1})
    rc, out, err, _ = run([example("ulatency.stp"), "./probed", "fact", "-c", "./probed recurse 6"])
    lines = out.splitlines()
    check("ulatency", (rc, err, lines[0], lines[1].strip()[:7]), (0, "", "fact: 6 calls", "value |"))
    total = sum(int(l.split()[-1]) for l in lines[2:] if "|" in l and l.split()[-1].isdigit())
    check("ulatency total", total, 6)
    rc, out, err, _ = run([example("topsyscalls.stp"), "-c", "./sysloop 100 3"])
    check("topsyscalls", (rc, err, out.splitlines()[:2]),
          (0, "", ["process           syscall    count", "sysloop                39      100"]))
    rc, out, err, _ = run([example("ustrings.stp"), A.greeter, "greet", "-c", A.greeter + " 3"])
    check("ustrings", (rc, out, err), (0, 'greet("hello", 1)\ngreet("world", 2)\ngreet("hello", 3)\n'
                                          'greet(NULL, 0)\n<null>   1\nhello    2\nworld    1\n', ""))


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--group", required=True)
    ap.add_argument("--ustap", required=True)
    ap.add_argument("--progs", required=True)
    ap.add_argument("--greeter", required=True)
    ap.add_argument("--examples", required=True)
    A = ap.parse_args()
    A.ustap = os.path.abspath(A.ustap)
    A.greeter = os.path.abspath(A.greeter)
    A.examples = os.path.abspath(A.examples)
    os.environ["USTAP_E2E"] = "yes"
    globals()["g_" + A.group]()
    for f in failures:
        print(f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
