#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end tests of ustap with process probes: real programs from tests/progs (probed,
sysloop, threads, dlopener, forker and the DWARF tracees greeter, nofp, points, decls,
mallocs, inlines, guarded, guru) run under the real binary; script output (-o FILE, so the
tracee's own stdout stays apart), stderr and exit statuses are compared exactly.

Usage: ustap_e2e.py [--group GROUP]... [--case NAME]... --ustap PATH --examples DIR
                    --progs PROG...

--group (repeatable) picks the groups to run (default: all), --case (repeatable) the case
functions within them; --examples is examples/stap (the scripts of group examples); --progs
gives the tracee programs, known by their file names.  ustap runs in the directory of the
programs, so that scripts can say process("./probed").  Each group is one Meson test
(tests/ustap/meson.build); every check prints one TAP line, and the script exits 1 if any
failed.
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from tap import Session, wait_exec  # noqa: E402

S = Session("ustap-e2e-")
T = S.tap
prog = S.prog


def progs_dir():
    return os.path.dirname(prog("probed"))


def run(args, cwd=None, timeout=60):
    """ustap -o FILE ARGS in cwd (default: the programs' directory): exit code, the script's
    output (FILE), stderr and stdout (the tracee's)."""
    r = S.run([S.tracer] + args, cwd=cwd or progs_dir(), timeout=timeout)
    return r.rc, r.trace, r.err, r.out


def run_plain(args):
    """ustap ARGS in the programs' directory: exit code, stdout and stderr."""
    r = S.run([S.tracer] + args, cwd=progs_dir(), outfile=False)
    return r.rc, r.out, r.err


def check(name, got, want):
    """One TAP line: got == want."""
    return T.eq(got, want, name)


def probed():
    return os.path.realpath(prog("probed"))


TESTS = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def source_line(src, pattern):
    """The number of the first line of src that matches pattern (a regex)."""
    with open(src) as f:
        for n, line in enumerate(f, 1):
            if re.search(pattern, line):
                return n
    raise AssertionError("%s: no line matches %r" % (src, pattern))


def compiled_name(exe, src):
    """src as Meson passes it to the compiler, so as DWARF names it: relative to the build
    root, which is two levels above the test programs (build/tests/progs)."""
    root = os.path.join(os.path.dirname(os.path.realpath(exe)), "..", "..")
    return os.path.relpath(src, os.path.realpath(root))


def dwarf_fn(exe, src, name, decl):
    """pp() of a function with DWARF: process("EXE").function("name@FILE:LINE"), LINE the
    first line of src matching the regex decl."""
    return 'process("%s").function("%s@%s:%d")' % (
        os.path.realpath(exe), name, compiled_name(exe, src), source_line(src, decl))


def test_functions():
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
    fact = dwarf_fn(probed(), os.path.join(TESTS, "progs", "probed.c"), "fact", r"\blong fact\(long n\)$")
    want += (fact + '.return|process("./probed").function("f*").return\n') * 2
    deep = dwarf_fn(probed(), os.path.join(TESTS, "progs", "probed.c"), "deep", r"\blong deep\(long n\)$")
    want += (deep + '|process("./probed").function("deep")\n') * 3
    check("pp pn", (rc, out), (0, want))


def test_events():
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


def test_syscalls():
    rc, out, err, _ = run(["-c", "./sysloop 7 3", "-e",
                           'global n, r; probe process.syscall { if ($syscall == 39) n++ } '
                           'probe process.syscall.return { if ($syscall == 39 && $return == pid()) r++ } '
                           'probe end { printf("%d %d\\n", n, r) }'])
    check("syscalls", (rc, out, err), (0, "7 7\n", ""))


def test_strings():
    rc, out, err, _ = run(["-c", prog("greeter") + " 3", "-e",
                           'probe process("%s").function("greet") '
                           '{ printf("%%s %%d\\n", user_string(pointer_arg(1), "<null>"), int_arg(2)) } '
                           'probe process("%s").mark("greeted") { printf("%%s %%d %%d\\n", $$name, $arg1, $arg2) }'
                           % (prog("greeter"), prog("greeter"))])
    check("strings marks", (rc, out, err),
          (0, "hello 1\ngreeted 1 5\nworld 2\ngreeted 2 10\nhello 3\ngreeted 3 15\n<null> 0\n", ""))
    rc, out, err, _ = run(["-c", prog("greeter") + " 1", "-e",
                           'probe process("%s").function("greet") { printf("%%s\\n", user_string(pointer_arg(1))) }'
                           % prog("greeter")])
    check("copy fault rc", rc, 1)
    check("copy fault out", out, "hello\n")
    check("copy fault err", err,
          "ERROR: user string copy fault -14 at 0x0000000000000000 [man error::fault] near "
          "identifier 'user_string' at <input>:1:%d\n"
          "WARNING: Number of errors: 1, skipped probes: 0\n"
          "Pass 5: run failed.  [man error::pass5]\n" % (len('probe process("%s").function("greet") { printf("%%s\\n", ' % prog("greeter")) + 1))
    rc, out, err, _ = run(["-c", prog("greeter") + " 1", "-e",
                           'probe process("%s").function("greet") { printf("[%%s] %%d %%s\\n", '
                           'user_string_n(pointer_arg(1), 3, "-"), user_int(0), env_var("USTAP_E2E")) }'
                           % prog("greeter")])
    check("user_string_n", (rc, out, err), (0, "[hel] 0 yes\n[-] 0 yes\n", ""))


def test_errors():
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
    # A command that exists but cannot be executed: ustap's own message and exit 1, like a
    # missing one (it once said "utrace: exec: ..." and exited 0).
    notelf = S.scratch("notelf", "")
    with open(notelf, "w") as f:
        f.write("not a program\n")
    os.chmod(notelf, 0o755)
    rc, out, err = run_plain(["-e", "probe begin {}", "-c", notelf])
    check("not an executable: exit 1", rc, 1)
    check("not an executable: the message", err.splitlines()[:1],
          ["ERROR: cannot run '%s': Exec format error" % notelf])
    check("not an executable: no utrace: prefix", "utrace:" in err, False)
    # A map bigger than the machine is refused up front, not allocated until the OOM killer.
    for args in (["-e", "global a[1000000000]; probe begin { a[1] = 1 }"],
                 ["-D", "MAXMAPENTRIES=1000000000", "-e", "global a; probe begin { a[1] = 1 }"]):
        rc, out, err = run_plain(args)
        check("%s: exit 1" % args[-1], rc, 1)
        check("%s: says why" % args[-1], bool(re.match(
            r"ustap: the script's data needs \d+ MiB, which exceeds the memory of this machine "
            r"\(\d+ MiB\)", err)), True)


def test_descriptors():
    """The traced program gets only its own descriptors: -o FILE and the script are opened
    close-on-exec, so ls of /proc/self/fd lists the same numbers traced as untraced."""
    ls = ["/bin/ls", "/proc/self/fd"]
    plain = subprocess.run(ls, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           cwd=progs_dir())
    script = S.scratch("fds", ".stp")
    with open(script, "w") as f:
        f.write("probe begin { }\n")
    rc, out, err, tracee = run([script, "-c", " ".join(ls)])
    check("ls under ustap: exit 0", (rc, err), (0, ""))
    check("the same descriptors as untraced", tracee, plain.stdout)


def test_list():
    rc, out, err = run_plain(["-l", 'process("./probed").function("f_s*")'])
    p = probed()
    check("-l", (rc, out, err), (0, 'process("%s").function("f_step")\nprocess("%s").function("f_store")\n'
                                 'process("%s").function("f_syscall")\n' % (p, p, p), ""))
    src = os.path.join(TESTS, "progs", "probed.c")
    at = "%s:%d" % (compiled_name(p, src), source_line(src, r"^\S.* fact\(long n\)$"))
    rc, out, err = run_plain(["-L", 'process("./probed").function("fact").return'])
    check("-L return", (rc, out), (0, 'process("%s").function("fact@%s").return '
                                      '$return:long int $n:long int\n' % (p, at)))
    rc, out, err = run_plain(["-L", 'process("%s").mark("*")' % prog("greeter")])
    check("-L mark", (rc, out), (0, 'process("%s").mark("greeted") $arg1:long $arg2:long\n' % prog("greeter")))


def test_list_dwarf():
    # stap's listing of DWARF points: function("name@file:decl_line"), and with -L the $return
    # type of .return points, then the variables in scope with their C types, innermost first.
    pts = os.path.realpath(prog("points"))
    src = os.path.join(TESTS, "progs", "points.c")
    f = compiled_name(pts, src)
    area = 'process("%s").function("area@%s:%d")' % (pts, f, source_line(src, r"\bint area\("))
    area_vars = " $p:struct point* $scale:int $local:int"
    rc, out, err = run_plain(["-L", 'process("%s").function("area")' % pts])
    check("-L dwarf function", (rc, out, err), (0, area + area_vars + "\n", ""))
    rc, out, err = run_plain(["-L", 'process("%s").function("area").return' % pts])
    check("-L dwarf return", (rc, out, err), (0, area + ".return $return:int" + area_vars + "\n", ""))
    rc, out, err = run_plain(["-l", 'process("%s").function("area").call' % pts])
    check("-l dwarf call", (rc, out, err), (0, area + ".call\n", ""))
    loop = source_line(src, r"sum \+= area\(")
    rc, out, err = run_plain(["-L", 'process("%s").statement("main@points.c:%d")' % (pts, loop)])
    check("-L dwarf statement", (rc, out, err),
          (0, 'process("%s").statement("main@%s:%d") $i:int $argc:int $argv:char** '
              '$second:struct point $first:struct point $n:int $sum:int\n' % (pts, f, loop), ""))
    dec = os.path.realpath(prog("decls"))
    src = os.path.join(TESTS, "progs", "decls.c")
    rc, out, err = run_plain(["-L", 'process("%s").function("decls")' % dec])
    check("-L type spelling", (rc, out, err), (0,
          'process("%s").function("decls@%s:%d") $name:char const* $argv:char* const* '
          '$flag:int volatile* $count:counter_t $u:union num $c:enum color '
          '$log:int (*) (char const*, ...) $done:void (*) (void) $pair:struct pair const* '
          '$grid:int[] $limit:int const $anon:struct {...}\n'
          % (dec, compiled_name(dec, src), source_line(src, r"\bint decls\(")), ""))


def test_symlines():
    # usymfileline(addr): "file:line" from the line table of the file mapped at addr (the file
    # named as the compiler was given it), else addr in hex.  points N calls area() N times.
    d = os.path.dirname(os.path.abspath(prog("points")))
    src = os.path.join(TESTS, "progs", "points.c")
    f = compiled_name(prog("points"), src)
    body = "%s:%d\n" % (f, source_line(src, r"int local = p->x \* p->y;"))
    back = "%s:%d\n" % (f, source_line(src, r"sum \+= area\("))
    rc, out, err, _ = run(["-c", "./points 2", "-e",
                           'probe process("./points").function("area") { println(usymfileline(uaddr())) } '
                           'probe process("./points").function("area").return '
                           '{ println(usymfileline(uaddr())) }'], cwd=d)
    check("usymfileline: after the prologue, the return address", (rc, out, err),
          (0, (body + back) * 2, ""))
    rc, out, err, _ = run(["-c", "./points 1", "-e",
                           'probe process("./points").function("main").return { '
                           'printf("%s %s %d\\n", usymfileline(0), usymfileline(-1), '
                           'usymfileline(uaddr()) == sprintf("0x%x", uaddr())) }'], cwd=d)
    check("usymfileline: no line information (libc, unmapped)", (rc, out, err),
          (0, "0x0 0xffffffffffffffff 1\n", ""))
    # The library is loaded twice at two addresses: each hit maps its own pc.
    src = os.path.join(TESTS, "progs", "libprobed.c")
    lib = prog("libprobed.so")
    line = "%s:%d\n" % (compiled_name(lib, src), source_line(src, r"return x \+ 7;"))
    rc, out, err, _ = run(["-c", "./dlopener ./libprobed.so 1", "-e",
                           'probe process("./dlopener").library("./libprobed.so").function("lib_func") '
                           '{ println(usymfileline(uaddr())) }'])
    check("usymfileline: a shared library", (rc, out, err), (0, line * 2, ""))


def test_attach():
    spin = S.spawn([probed(), "spin"], stdout=subprocess.DEVNULL)
    try:
        check("attach: probed spin runs", wait_exec(spin.pid, probed()), True)
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

COUNT_PUSH = ('global n; probe process("./probed").function("f_push") { n++ } '
              'probe end { println(n) }')


def tier_line(err, func):
    """The -v line that says how func's site runs ("" when there is none)."""
    for line in err.splitlines():
        if ('.function("%s"' % func in line or '.function("%s@' % func in line) and "): " in line:
            return line
    return ""


def text_as_file(pid, exe, func):
    """Whether func's bytes in process pid are the file's (our jumps and int3s gone)."""
    addr, size = nm_symbols(exe)[func]
    with open("/proc/%d/maps" % pid) as f:
        maps = [l.split() for l in f]
    real = os.path.realpath(exe)
    for m in maps:
        lo, hi = (int(x, 16) for x in m[0].split("-"))
        off = int(m[2], 16)
        if len(m) >= 6 and m[5] == real and "x" in m[1]:
            # The text mapping: file offset off at lo; ET_DYN's vaddr == file offset here.
            with open("/proc/%d/mem" % pid, "rb") as mem, open(real, "rb") as file:
                mem.seek(lo + addr - off)
                file.seek(addr)
                return mem.read(size) == file.read(size)
    return False


def ours_mapped(pid):
    """Mappings of ours left in pid: the agent, its region, trampolines."""
    with open("/proc/%d/maps" % pid) as f:
        return [l.strip() for l in f if "utrace" in l or "memfd:" in l]


def test_inproc():
    # The same counts on both tiers, and -v says which tier the site got.
    for tier in ("auto", "trap"):
        rc, out, err, _ = run(["-v", "--tier=" + tier, "-c", "./probed threads 500", "-e", COUNT_PUSH])
        check("count, 8 threads, tier %s" % tier, (rc, out), (0, "4000\n"))
        line = tier_line(err, "f_push")
        check("-v line, tier %s: %s" % (tier, line), "in-process" in line and "trap tier" not in line,
              tier == "auto")
    rc, out, err, _ = run(["-c", "./probed recurse 5", "-e",
                           'probe process("./probed").function("fact") { printf("%d\\n", int_arg(1)) }'])
    check("printf in-process, in order", (rc, out, err), (0, "5\n4\n3\n2\n1\n", ""))
    agg = ('global c; probe process("./probed").function("f_push") { c[tid()] <<< int_arg(1) } '
           'probe end { foreach (t in c) printf("%d %d %d %d\\n", @count(c[t]), @sum(c[t]), '
           '@min(c[t]), @max(c[t])) }')
    got = {}
    for tier in ("auto", "trap"):
        rc, out, err, _ = run(["--tier=" + tier, "-c", "./probed threads 100", "-e", agg])
        got[tier] = (rc, sorted(out.splitlines()), err)
    check("aggregates per thread, both tiers alike", got["auto"], got["trap"])
    check("aggregates per thread", got["auto"], (0, ["100 4950 0 99"] * 8, ""))
    # A handler the agent cannot run keeps its site on the trap tier, and -v says why.
    rc, out, err, _ = run(["-v", "-c", "./probed recurse 2", "-e",
                           'probe process("./probed").function("fact") { println(usymname(uaddr())) }'])
    check("usymname: output", (rc, out), (0, "fact\nfact\n"))
    line = tier_line(err, "fact")
    check("usymname: -v says why: " + line, "needs the tracer" in line, True)
    # exit() from an in-process handler ends the session; begin ran before the first hit.
    rc, out, err, _ = run(["-c", "./probed spin", "-e",
                           'global n = 10; probe begin { n = 100 } '
                           'probe process("./probed").function("f_push") { if (++n == 103) exit() } '
                           'probe end { println(n) }'])
    check("exit() in-process, globals from begin", (rc, out, err), (0, "103\n", ""))
    # Attached: the program goes on after the detach, its text as the file's, nothing of ours.
    spin = S.spawn([probed(), "spin"], stdout=subprocess.DEVNULL)
    try:
        check("inproc attach: probed spin runs", wait_exec(spin.pid, probed()), True)
        rc, out, err, _ = run(["-v", "-x", str(spin.pid), "-e",
                               'global n; probe process("./probed").function("f_push") '
                               '{ if (++n == 5) exit() } probe end { printf("%d\\n", n) }'])
        check("inproc attach", (rc, out), (0, "5\n"))
        check("inproc attach: in-process", "in-process" in tier_line(err, "f_push"), True)
        time.sleep(0.2)
        check("inproc attach: still running", spin.poll(), None)
        check("inproc attach: text as the file", text_as_file(spin.pid, probed(), "f_push"), True)
        check("inproc attach: nothing of ours mapped", ours_mapped(spin.pid), [])
    finally:
        spin.send_signal(signal.SIGKILL)
        spin.wait()
    check("inproc attach: killed by us only", spin.returncode, -signal.SIGKILL)


def test_inproc_shared_site():
    # A probe that needs the tracer and one that does not, at one address: both run.
    rc, out, err, _ = run(["-v", "-c", "./probed threads 5", "-e",
                           'global n; probe process("./probed").function("f_push") { n++ } '
                           'probe process("./probed").function("f_push") '
                           '{ if (n == 1) println(usymname(uaddr())) } probe end { println(n) }'])
    check("shared site: both probes ran", (rc, out), (0, "f_push\n40\n"))
    check("shared site: -v says why", "another probe there needs the trap tier" in err, True)


def test_inproc_survive():
    # ustap -x SIGKILLed while its probes run (once they are in: the setup itself, remote
    # calls in the program's threads, is not safe to die in): the program runs on and ends
    # with its right status.  f_push is patched; f_endbr's entry and return probes are on the
    # trap tier (a one-byte push %rbp there would be the gap src/uprobe/safety.c describes).
    ready = os.path.join(S.tmp, "ready")
    for i in range(6):
        if os.path.exists(ready):
            os.unlink(ready)
        storm = S.spawn([probed(), "storm"], stdout=subprocess.DEVNULL)
        check("survive %d: storm runs" % i, wait_exec(storm.pid, probed()), True)
        tracer = S.spawn([S.tracer, "-o", ready, "-x", str(storm.pid), "-e",
                          'global n, m, r; probe process("%s").function("f_push") { n++ } '
                          'probe process("%s").function("f_endbr") { m++ } '
                          'probe process("%s").function("f_endbr").return { m++ } '
                          'probe timer.ms(50) { if (!r++) println("ready") }'
                          % ((probed(),) * 3)], cwd=progs_dir())
        for _ in range(400):
            if os.path.exists(ready) and os.path.getsize(ready) > 0:
                break
            time.sleep(0.025)
        check("survive %d: probes in" % i, os.path.getsize(ready) > 0, True)
        time.sleep(0.1 * i)
        tracer.kill()
        tracer.wait()
        time.sleep(0.2)
        check("survive %d: alive after the tracer's SIGKILL" % i, storm.poll(), None)
        storm.send_signal(signal.SIGUSR1)
        try:
            storm.wait(timeout=20)
        except subprocess.TimeoutExpired:
            storm.kill()
            storm.wait()
        check("survive %d: exit status" % i, storm.returncode, 0)

def example(name):
    return os.path.join(S.args.examples, name)


def test_examples():
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
    rc, out, err, _ = run([example("ustrings.stp"), prog("greeter"), "greet", "-c", prog("greeter") + " 3"])
    check("ustrings", (rc, out, err), (0, 'greet("hello", 1)\ngreet("world", 2)\ngreet("hello", 3)\n'
                                          'greet(NULL, 0)\n<null>   1\nhello    2\nworld    1\n', ""))
    # malloc_hist: libc's malloc in the target only; its four calls, in the 16, 32 and 1024 rows.
    rc, out, err, _ = run([example("malloc_hist.stp"), "-c", prog("mallocs")])
    lines = out.splitlines()
    rows = {int(l.split("|")[0]): int(l.split()[-1]) for l in lines[2:] if "|" in l}
    check("malloc_hist", (rc, err, lines[:2]),
          (0, "", ["4 mallocs, 1104 bytes", "value |-------------------------------------------------- count"]))
    check("malloc_hist rows", {k: v for k, v in rows.items() if v}, {16: 1, 32: 2, 1024: 1})
    check("malloc_hist bars", [l for l in lines if l.startswith(("   16 ", "   32 ", " 1024 "))],
          ["   16 |@                                                  1",
           "   32 |@@                                                 2",
           " 1024 |@                                                  1"])
    # syscall_errors: chdir (80) failing with ENOENT (2) exactly three times; the dynamic
    # loader's own failures (access of /etc/ld.so.preload, openat along LD_LIBRARY_PATH...) are
    # there too, so the rows are checked for order, not position.
    rc, out, err, _ = run([example("syscall_errors.stp"), "-c", prog("mallocs") + " chdir 3"])
    lines = out.splitlines()
    check("syscall_errors", (rc, err, lines[:1], "%-16s %8d %6d %6d" % ("mallocs", 80, 2, 3) in lines),
          (0, "", ["process           syscall  errno  count"], True))
    counts = [int(l.split()[-1]) for l in lines[1:]]
    check("syscall_errors sorted", counts, sorted(counts, reverse=True))
    check("syscall_errors one chdir row", [l.split()[1] for l in lines[1:]].count("80"), 1)
    # forks: forker's parent (the target) and its child, each started and ended once.
    rc, out, err, _ = run([example("forks.stp"), "-c", "./forker fork"])
    m = re.fullmatch(r"start (\d+) forker parent (\d+)\nstart (\d+) forker parent (\d+)\n"
                     r"end (\d+) forker after \d+ us\nend (\d+) forker \(target\) after \d+ us\n"
                     r"2 processes\n", out)
    check("forks", (rc, err, bool(m)), (0, "", True))
    if m:
        parent, child = m.group(1), m.group(3)
        check("forks pids", (m.group(4), m.group(5), m.group(6), parent != child),
              (parent, child, parent, True))
    rc, out, err, _ = run([example("forks.stp"), "-c", "./probed fork 3"])
    check("forks probed", (rc, err, out.count("start "), out.count("end "), out.count("(target)"),
                           out.splitlines()[-1:]), (0, "", 2, 2, 1, ["2 processes"]))


FRAME = re.compile(r"^ 0x([0-9a-f]{16}) : ([A-Za-z_][\w.]*)\+0x([0-9a-f]+)/0x([0-9a-f]+) \[(.*)\]$")


def nm_symbols(path):
    syms = {}
    for line in subprocess.run(["nm", "-S", path], capture_output=True, text=True).stdout.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "Tt":
            syms[f[3]] = (int(f[0], 16), int(f[1], 16))
    return syms


def libc_debug_file():
    """The detached symbols of the libc that programs here load, where libc6-dbg puts them
    (/usr/lib/debug/.build-id/xx/yyyy.debug), or None.  Debian strips libc's own .symtab, so
    only they name its local functions (__libc_start_call_main, the frame above main)."""
    libc = "/lib/x86_64-linux-gnu/libc.so.6"
    notes = subprocess.run(["readelf", "-n", libc], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]{2})([0-9a-f]+)", notes)
    path = m and "/usr/lib/debug/.build-id/%s/%s.debug" % (m.group(1), m.group(2))
    return path if path and os.path.exists(path) else None


def check_frames(name, lines, exe, want):
    """The first frames are want (function names) in exe, offsets and sizes as nm says; a libc
    frame follows, named by libc6-dbg's symbols (the test needs them, and says so).  Frame 0
    (the probe's address, at or after the prologue) gives the load bias; the return addresses
    of the other frames must agree with nm through it."""
    if not libc_debug_file():
        T.check(False, "%s: needs libc6-dbg (libc's local symbols name the frame above main); "
                "`make check-deps` installs it" % name)
        return
    syms = nm_symbols(exe)
    m = [FRAME.match(l) for l in lines[:len(want) + 1]]
    if not T.eq([bool(x) for x in m], [True] * (len(want) + 1), name + ": format",
                "\n".join(lines)):
        return
    check(name + ": functions", [x.group(2) for x in m[:len(want)]], want)
    check(name + ": modules", [x.group(5) for x in m[:len(want)]], [exe] * len(want))
    check(name + ": then libc", "libc" in m[len(want)].group(5), True)
    bias = int(m[0].group(1), 16) - int(m[0].group(3), 16) - syms[want[0]][0]
    got = [(int(x.group(3), 16), int(x.group(4), 16)) for x in m[:len(want)]]
    expect = [(int(x.group(1), 16) - bias - syms[f][0], syms[f][1]) for x, f in zip(m, want)]
    check(name + ": offsets vs nm", got, expect)
    check(name + ": frame 0 inside", got[0][0] < got[0][1], True)
    check(name + ": return addresses inside", all(0 < o <= sz for o, sz in got[1:]), True)


def blocks(out):
    return [b.splitlines() for b in out.split("--\n") if b]


def test_backtrace():
    # -O0 with frame pointers: the third hit of fact(3) is fact <- fact <- fact <- main.
    rc, out, err, _ = run(["-c", "./probed recurse 3", "-e",
                           'probe process("./probed").function("fact") { print_ubacktrace(); '
                           'printf("%s\\n%s\\n%x\\n", ubacktrace(), ucallers(2), ustack(1)); '
                           'print_ubacktrace_brief(); printf("%s--\\n", sprint_ubacktrace()) }'])
    check("fact rc", (rc, err), (0, ""))
    b = blocks(out)
    check("fact hits", len(b), 3)
    if len(b) == 3:
        n = b[2].index(next(l for l in b[2] if not l.startswith(" ")))
        frames, rest = b[2][:n], b[2][n:]
        check_frames("fact(1)", frames, probed(), ["fact", "fact", "fact", "main"])
        pcs = ["0x" + l.split()[0][2:].lstrip("0") for l in frames]
        check("ubacktrace", rest[0], " ".join(pcs))
        check("ucallers(2)", rest[1], " ".join(pcs[:2]))
        check("ustack(1)", "0x" + rest[2], pcs[1])
        check("brief", rest[3:7], [l.split(" : ")[1].split("/")[0] for l in frames[:4]])
        sprint = rest[3 + len(frames):]
        check("sprint_ubacktrace: whole lines of print_ubacktrace", (len(sprint) > 3, frames[:len(sprint)]), (True, sprint))
        check("first hit", [l.split(" : ")[1].split("+")[0] for l in b[0][:2]], ["fact", "main"])
    # In .return probes the outer fact frames still hold the uretprobe trampoline as their
    # return address; uretprobe_pending() gives the walk the real ones.
    rc, out, err, _ = run(["-c", "./probed recurse 3", "-e",
                           'probe process("./probed").function("fact").return { '
                           'print_ubacktrace(); printf("--\\n") }'])
    check("return rc", (rc, err), (0, ""))
    b = blocks(out)
    check("return hits", len(b), 3)
    if len(b) == 3:
        check_frames("fact(1) returns into fact <- fact <- main", b[0], probed(),
                     ["fact", "fact", "main"])
        check("no trampoline frame", [l for l in b[0] + b[1] if " : " not in l], [])
    # -O2 -fomit-frame-pointer: b keeps junk in %rbp, so only CFI gets from c to main.
    rc, out, err, _ = run(["-c", prog("nofp") + " 2", "-e",
                           'probe process("%s").function("c") { printf("rbp=%%d\\n", register("rbp")); '
                           'print_ubacktrace(); printf("--\\n") }' % prog("nofp")])
    check("nofp rc", (rc, err), (0, ""))
    b = blocks(out)
    check("nofp hits", len(b), 3)
    if len(b) == 3:
        check("nofp rbp is no frame pointer", [x[0] for x in b], ["rbp=7", "rbp=4103", "rbp=10"])
        check_frames("nofp a->b->c", b[1][1:], prog("nofp"), ["c", "b", "a", "main"])
        check_frames("nofp main->c", b[2][1:], prog("nofp"), ["c", "main"])
    # No stack outside process probes: empty strings, nothing printed.
    rc, out, err, _ = run(["-e", 'probe begin { printf("[%s][%s]", ubacktrace(), sprint_ubacktrace()); '
                           'print_ubacktrace(); exit() }'])
    check("begin", (rc, out, err), (0, "[][]", ""))
    # callers.stp: distinct stacks of c counted by ubacktrace(), most frequent first.
    rc, out, err, _ = run([example("callers.stp"), prog("nofp"), "c", "-c", prog("nofp") + " 3"])
    check("callers rc", (rc, err), (0, ""))
    heads = [l for l in out.splitlines() if not l.startswith(" ")]
    check("callers counts", heads, ["3 calls:", "1 calls:"])
    parts = out.split("1 calls:\n")
    if len(parts) == 2:
        check_frames("callers a->b->c", parts[0].splitlines()[1:], prog("nofp"), ["c", "b", "a", "main"])
        check_frames("callers main->c", parts[1].splitlines(), prog("nofp"), ["c", "main"])


def test_dwarf():
    # points N calls area(&first or &second, i + 2): first = {3, 4, "first", &second},
    # second = {5, 6, "second", NULL}; area.local = x * y.
    pts = os.path.abspath(prog("points"))
    d = os.path.dirname(pts)
    fn = 'probe process("./points").function("area") '
    rc, out, err, _ = run(["-c", "./points 3", "-e", fn +
                           '{ printf("%d %d %d %d %s\\n", $scale, $p->x, $p->y, @defined($nosuch), '
                           'sprint(@defined($p->x))) }'], cwd=d)
    check("dwarf params after the prologue", (rc, out, err), (0, "2 3 4 0 1\n3 5 6 0 1\n4 3 4 0 1\n", ""))
    rc, out, err, _ = run(["-c", "./points 2", "-e", fn +
                           '{ printf("%s|%s|%s|%d|%s\\n", $p$, $p->name$, '
                           'substr($$parms, 0, 4), strlen($$parms$) > 0, '
                           'isinstr($$parms, " scale=0x") ? "ok" : $$parms) }'], cwd=d)
    lines = out.splitlines()
    check("dwarf pretty first", (rc, err, lines[0].startswith('{.x=3, .y=4, .name="first", .next=0x'),
                                 lines[0].endswith('}|"first"|p=0x|1|ok')), (0, "", True, True))
    check("dwarf pretty second", lines[1], '{.x=5, .y=6, .name="second", .next=0x0}|"second"|p=0x|1|ok')
    rc, out, err, _ = run(["-c", "./points 2", "-e",
                           'probe process("./points").statement("area@points.c:19") '
                           '{ printf("%d %d %s %d\\n", $local, $scale, $$locals, $p->next == 0) }'], cwd=d)
    check("dwarf statement local", (rc, out, err), (0, "12 2 local=0xc 0\n30 3 local=0x1e 1\n", ""))
    rc, out, err, _ = run(["-c", "./points 1", "-e", fn +
                           '{ printf("%d %d %d\\n", &$p->y - $p, @cast($p, "struct point")->y, '
                           '$p->name[1]) }'], cwd=d)
    check("dwarf address cast index", (rc, out, err), (0, "4 4 105\n", ""))
    src = fn + '{ println($p->next->next) }'
    rc, out, err, _ = run(["-c", "./points 2", "-e", src], cwd=d)
    check("dwarf fault", (rc, out, err.splitlines()[0] if err else ""),
          (1, "0\n", "ERROR: user memory read fault at 0x10 [man error::fault] near identifier '$p' at "
                     "<input>:1:%d" % (src.index("$p") + 1)))
    src = fn + '{ println($nosuch) }'
    rc, out, err, _ = run(["-c", "./points 1", "-e", src], cwd=d)
    first = err.splitlines()[0] if err else ""
    check("dwarf unknown", (rc, out, first.startswith("semantic error: unable to find local 'nosuch', "
                                                     "[man error::dwarf] dieoffset 0x"),
                            first.endswith("(alternatives: $p $scale $local): identifier '$nosuch' "
                                           "at <input>:1:%d" % (src.index("$nosuch") + 1)),
                            "near pc 0x" in first and " in area " in first),
          (1, "", True, True, True))
    rc, out, err, _ = run(["--skip-badvars", "-c", "./points 1", "-e", fn + '{ println($nosuch) }'], cwd=d)
    check("dwarf skip-badvars", (rc, out, err), (0, "0\n", ""))


def test_dwarf_atvar():
    # @var: total (7, +12, +30, +12), static corner = {1, 2, "corner", NULL}, origin = &corner.
    d = os.path.dirname(os.path.abspath(prog("points")))
    fn = 'probe process("./points").function("area") '
    exe = os.path.realpath(os.path.join(d, "points"))
    rc, out, err, _ = run(["-c", "./points 3", "-e", fn +
                           '{ printf("%d %d %d %s %d %d %d %d\\n", @var("total@points.c"), @var("total"), '
                           '@var("origin@points.c")->y, @var("origin")->name$, @var("corner")->name[1], '
                           '&@var("corner@points.c") == @var("origin@points.c"), '
                           '@defined(@var("nosuch")), @defined(@var("total@*.c"))) }'], cwd=d)
    check("@var in .function", (rc, out, err),
          (0, '7 7 2 "corner" 111 1 0 1\n19 19 2 "corner" 111 1 0 1\n49 49 2 "corner" 111 1 0 1\n', ""))
    rc, out, err, _ = run(["-c", "./points 3", "-e",
                           'probe process("./points").function("area").return { printf("%d %d %s\\n", '
                           '@var("total@points.c"), @var("total", "/nonexistent:./points"), '
                           '@var("corner@points.c")$) }'], cwd=d)
    check("@var in .return: read at the return",
          (rc, out, err), (0, "".join('%d %d {.x=1, .y=2, .name="corner", .next=0x0}\n' % (t, t)
                                      for t in (19, 49, 61)), ""))
    rc, out, err, _ = run(["-c", "./points 1", "-e",
                           'global n; probe process.begin { printf("begin %d\\n", @var("total@points.c")) } '
                           'probe process.syscall { if (execname() == "points" && !n++) '
                           'printf("syscall %d\\n", @var("total@points.c", "EXE")) }'.replace("EXE", exe)],
                          cwd=d)
    check("@var in process.begin and .syscall", (rc, out, err), (0, "begin 7\nsyscall 7\n", ""))
    rc, out, err, _ = run(["-c", "./points 1", "-e",
                           'probe process("./points").end { try { println(@var("total@points.c")) } '
                           'catch (m) { printf("%s|%d\\n", m, pid()) } }'], cwd=d)
    pid = out.rstrip("\n").split("|")[-1]
    check("@var in process.end: the process is gone", (rc, out, err),
          (0, "cannot read %s: process %s has exited|%s\n" % (exe, pid, pid), ""))
    src = 'probe process("%s").function("area") { println(@var("nosuch@points.c")) }' % exe
    rc, out, err = run_plain(["-p2", "-e", src])
    check("@var unknown", (rc, err.splitlines()[0] if err else ""),
          (1, "semantic error: unable to find global 'nosuch' in %s, in points.c: operator '@var' "
              "at <input>:1:%d" % (exe, src.index("@var") + 1)))


def test_entry():
    # @entry(expr) and the $variables of .return probes, which are read at the entry.
    d = os.path.dirname(os.path.abspath(prog("points")))
    ret = 'probe process("./points").function("area").return '
    rc, out, err, _ = run(["-c", "./points 3", "-e", ret +
                           '{ printf("%d %d %d %d\\n", $scale, $p->x, $return, @entry($scale * 10)) }'],
                          cwd=d)
    check("entry params in .return", (rc, out, err), (0, "2 3 24 20\n3 5 90 30\n4 3 48 40\n", ""))
    rc, out, err, _ = run(["-c", "./points 2", "-e", ret +
                           '{ printf("%s %s\\n", $p->name$, $$parms) }'], cwd=d)
    lines = out.splitlines()
    check("entry pretty in .return", (rc, err, [l.split(" ")[0] for l in lines],
                                      [l.endswith((" scale=0x2", " scale=0x3")) for l in lines]),
          (0, "", ['"first"', '"second"'], [True, True]))
    # Recursion: every level keeps its own entry values (fact's $n, and rdi at the entry of an
    # asm function that has no DWARF, where the entry half shares the return probe's address).
    fact = ['probe process("./probed").function("fact").return { printf("fact(%d) = %d\\n", $n, $return) }']
    rc, out, err, _ = run(["-c", "./probed recurse 5", "-e"] + fact)
    check("entry recursion", (rc, out, err),
          (0, "".join(f"fact({n}) = {f}\n" for n, f in [(1, 1), (2, 2), (3, 6), (4, 24), (5, 120)]), ""))
    rc, out, err, _ = run(["-c", "./probed calls 3", "-e",
                           'probe process("./probed").function("f_push").return '
                           '{ printf("%d %d\\n", @entry(register("rdi")), $return) }'])
    check("entry without DWARF", (rc, out, err), (0, "0 3\n1 4\n2 5\n", ""))
    # The latency of each call, nested calls included, is positive and the entries are freed.
    rc, out, err, _ = run(["-c", "./probed recurse 6", "-e",
                           'global lat, neg probe process("./probed").function("fact").return '
                           '{ t = local_clock_ns() - @entry(local_clock_ns()); lat <<< t; neg += t <= 0 } '
                           'probe end { printf("%d %d\\n", @count(lat), neg) }'])
    check("entry latency", (rc, out, err), (0, "6 0\n", ""))
    rc, out, err, _ = run(["-c", "./probed calls 1", "-e",
                           'probe process("./probed").function("f_push") { println(@entry(1)) }'])
    check("entry outside .return", (rc, out, err.splitlines()[:1]),
          (1, "", ["semantic error: @entry is only valid in .return probes: "
                   "operator '@entry' at <input>:1:56"]))


def test_inline():
    # inlines 3: scale(i, 4) inlined for i = 0, 1, 2, then scale(3, 2) out of line.
    d = os.path.dirname(os.path.abspath(prog("inlines")))
    body = ' { printf("%s %d %d\\n", pp(), $v, $by) }'
    pp = dwarf_fn(prog("inlines"), os.path.join(TESTS, "progs", "inlines.c"), "scale",
                  r"\bint scale\(")
    rc, out, err, _ = run(["-c", "./inlines 3", "-e",
                           'probe process("./inlines").function("scale")' + body], cwd=d)
    check("inline .function: both kinds", (rc, out, err),
          (0, "".join(f"{pp} {v} {b}\n" for v, b in [(0, 4), (1, 4), (2, 4), (3, 2)]), ""))
    rc, out, err, _ = run(["-c", "./inlines 3", "-e",
                           'probe process("./inlines").function("scale").inline' + body], cwd=d)
    check("inline .inline: the inlined copies", (rc, out, err),
          (0, "".join(f"{pp}.inline {v} 4\n" for v in range(3)), ""))
    rc, out, err, _ = run(["-c", "./inlines 3", "-e",
                           'probe process("./inlines").function("scale").call' + body], cwd=d)
    check("inline .call: the real function", (rc, out, err), (0, f"{pp}.call 3 2\n", ""))
    rc, out, err, _ = run(["-c", "./inlines 3", "-e",
                           'probe process("./inlines").function("main").inline { }'], cwd=d)
    check("inline no instance", (rc, "semantic error: no match (no inlined instance of that "
                                     "function)\n" in err), (1, True))


def test_aliases():
    # Probe aliases over a traced program: a prologue reading the arguments, the alias with a
    # .return suffix, pp() and pn(), a wildcard over aliases of a function, a marker and an
    # epilogue, and the errors of an unknown and a recursive alias.
    fn = 'process("%s").function("greet")' % prog("greeter")
    greet = 'probe greeter.greet = %s { who = user_string(pointer_arg(1), "<null>"); n = $n }\n' % fn
    rc, out, err, _ = run(["-c", prog("greeter") + " 2", "-e", greet +
                           'probe greeter.greet { printf("%s %d %s\\n", who, n, pn()) }\n'
                           'probe greeter.greet.return { printf("= %d %s %s\\n", $return, pp(), pn()) }'])
    greet_pp = dwarf_fn(prog("greeter"), os.path.join(TESTS, "progs", "greeter.c"), "greet",
                        r"\blong greet\(.*\)$")
    ret = "= %%d %s.return greeter.greet.return\n" % greet_pp
    check("prologue and suffix", (rc, out, err),
          (0, "hello 1 greeter.greet\n" + ret % 5 + "world 2 greeter.greet\n" + ret % 10 +
           "<null> 0 greeter.greet\n" + ret % 0, ""))
    rc, out, err = run_plain(["-p2", "-e", 'probe greeter.greet = %s { n = int_arg(2) }\n'
                              'probe greeter.greet.return { }' % fn])
    check("-p2 derivation", (rc, out, err),
          (0, "# probes\n%s.return /* <- greeter.greet = %s <- greeter.greet.return */\n"
              "  # locals\n  n:long\n" % (greet_pp, fn), ""))
    rc, out, err, _ = run(["-c", prog("greeter") + " 1", "-e",
                           'global calls\n'
                           'probe greeter.greet = %s { }\n'
                           'probe greeter.greeted = process("%s").mark("greeted") { }\n'
                           'probe greeter.done += process("%s").end { printf("epilogue %%d\\n", calls) }\n'
                           'probe greeter.* { calls++; printf("%%s\\n", pn()) }\n'
                           'probe nosuch?, greeter.done { calls = calls * 10 }' % (fn, prog("greeter"), prog("greeter"))])
    check("wildcard epilogue optional", (rc, out, err),
          (0, "greeter.greet\ngreeter.greeted\ngreeter.greet\ngreeter.done\nepilogue 4\nepilogue 40\n", ""))
    rc, out, err, _ = run(["-c", prog("greeter") + " 1", "-e",
                           'probe greeter.greet = %s { }\nprobe greeter.gret { }' % fn])
    check("unknown alias", (rc, out, err),
          (1, "", "semantic error: while resolving probe point: identifier 'greeter' at <input>:2:7\n"
                  "        source: probe greeter.gret { }\n"
                  "                      ^\n\n"
                  "semantic error: probe point mismatch (similar: greet): identifier 'gret' at <input>:2:15\n"
                  "        source: probe greeter.gret { }\n"
                  "                              ^\n\n"
                  "Pass 2: analysis failed.  [man error::pass2]\n"))
    rc, out, err, _ = run(["-c", prog("greeter") + " 1", "-e",
                           'probe a = b { }\nprobe b = a { }\nprobe a { }'])
    check("recursive alias", (rc, out, err),
          (1, "", "semantic error: while resolving probe point: identifier 'a' at <input>:3:7\n"
                  "        source: probe a { }\n"
                  "                      ^\n\n"
                  "semantic error: recursive loop in alias expansion of b at <input>:1:11\n\n"
                  "Pass 2: analysis failed.  [man error::pass2]\n"))


def test_sdt():
    # guarded N: the marker app:tick runs only while its semaphore is raised.
    g = prog("guarded")
    mark = 'probe process("%s").mark("tick") ' % g
    p = subprocess.run([g, "3"], capture_output=True, timeout=30)
    check("sdt untraced: the guard keeps the marker off", p.stdout.decode(), "fired=0 semaphore=0\n")
    rc, out, err, stdout = run(["-c", g + " 5", "-e", mark + '{ printf("%d ", $arg1) }'])
    check("sdt -c: the semaphore is raised before the program runs",
          (rc, out, err, stdout), (0, "0 1 2 3 4 ", "", "fired=5 semaphore=1\n"))
    # -x: attach to a running program, leave after 5 hits; the semaphore goes back to 0 and
    # the guard stops the marker again.
    p = S.spawn([g, "300"])
    check("sdt -x: guarded runs", wait_exec(p.pid, g), True)
    rc, out, err, _ = run(["-x", str(p.pid), "-e",
                           'global n ' + mark + '{ if (++n == 5) exit() } probe end { println(n) }'])
    tail = p.communicate(timeout=30)[0].decode()
    m = re.match(r"fired=(\d+) semaphore=(\d+)\n$", tail)
    # The marker may run a few more times between exit() and the detach, not after it.
    check("sdt -x: hits, then lowered at the detach",
          (rc, out, err, bool(m) and 5 <= int(m.group(1)) < 100, m and m.group(2)),
          (0, "5\n", "", True, "0"))


def semantic_error(src, msg, at):
    """stap's report of one semantic error at the text at of src, and the pass 2 failure."""
    col = src.index(at)
    return ("semantic error: %s at <input>:1:%d\n        source: %s\n%s^\n\n"
            "Pass 2: analysis failed.  [man error::pass2]\n" % (msg, col + 1, src, " " * (16 + col)))


def test_guru():
    # -g: writes to target variables.  points N prints the sum of area() (local * scale) and
    # total (7 + every local); a write changes what it prints, and stays after the detach.
    d = os.path.dirname(os.path.abspath(prog("points")))
    fn = 'probe process("./points").function("area") '
    ret = 'probe process("./points").function("area").return '
    cases = [("$scale", 1, "$scale = 100", "1200 19\n"),
             ("$p->x", 3, "$p->x = 10", "420 147\n"),
             ("@var", 3, '@var("total@points.c") = 1000', "162 1012\n"),
             ("@cast", 1, '@cast($p, "struct point")->y = 100', "600 307\n")]
    for name, n, body, want in cases:
        rc, out, err, stdout = run(["-g", "-c", "./points %d" % n, "-e", fn + "{ %s }" % body], cwd=d)
        check("guru " + name, (rc, out, err, stdout), (0, "", "", want))
    rc, out, err, stdout = run(["-g", "-c", "./points 1", "-e", fn +
                                "{ $scale += 10; $scale *= 2; println($scale++); println(--$scale) }"], cwd=d)
    check("guru compound, ++ and --", (rc, out, err, stdout), (0, "24\n24\n", "", "288 19\n"))
    rc, out, err, stdout = run(["-g", "-c", "./points 2", "-e", ret + "{ $return = 5 }"], cwd=d)
    check("guru $return", (rc, out, err, stdout), (0, "", "", "10 49\n"))
    src = fn + "{ $scale = 100 }"
    rc, out, err, _ = run(["-c", "./points 1", "-e", src], cwd=d)
    check("no -g: stap's refusal", (rc, out, err), (1, "", semantic_error(
        src, "write to target variable not permitted; need stap -g: identifier '$scale'", "$scale =")))
    refusals = [(fn + '{ @var("total@points.c")++ }', "write to @var variable not permitted; "
                 "need stap -g: operator '@var'", "@var"),
                (fn + '{ @cast($p, "struct point")->x = 1 }', "write to @cast context variable not "
                 "permitted; need stap -g: operator '@cast'", "@cast")]
    for src, msg, at in refusals:
        rc, out, err, _ = run(["-p2", "-e", src], cwd=d)
        check("no -g: " + at, (rc, err), (1, semantic_error(src, msg, at)))
    errors = [(ret + "{ $scale = 1 }", "write to target variable not permitted in .return probes: "
               "identifier '$scale'", "$scale"),
              (fn + "{ $p->name = 1 }", "cannot write to array address: identifier '$p'", "$p"),
              (fn + '{ @var("corner@points.c") = 1 }', "struct/union is being accessed instead of a "
               "member of the struct/union: operator '@var'", "@var"),
              (fn + "{ $$parms = 1 }", "cannot write to context variable: identifier '$$parms'", "$$"),
              (fn + '{ $scale .= "x" }', "Only the following assign operators are implemented on "
               "target variables:  =, +=, -=, *=, /=, %=, <<=, >>=, &=, |=, ^=: operator '.='", ".=")]
    for src, msg, at in errors:
        rc, out, err, _ = run(["-g", "-p2", "-e", src], cwd=d)
        check("guru error " + msg.split(":")[0], (rc, err), (1, semantic_error(src, msg, at)))
    src = fn + "{ $p->next->next->x = 1 }"
    rc, out, err, _ = run(["-g", "-c", "./points 2", "-e", src], cwd=d)
    check("guru write fault", (rc, err.splitlines()[0] if err else ""),
          (1, "ERROR: user memory write fault at 0x0 [man error::fault] near identifier '$p' at "
              "<input>:1:%d" % (src.index("$p") + 1)))


def test_guru_widths():
    # guru N (-O2): twice(v) = 2v for v = 1..N, where v is in rdi; then w (every integer
    # width), then values.
    g = prog("guru")
    fn = 'probe process("%s").function("twice") ' % g
    plain = "1 2 3 4 5 6 7 0\n10 20 30 40\n"
    rc, out, err, stdout = run(["-g", "-c", g + " 2", "-e", fn + "{ $v *= 10; println($v) }"])
    check("guru register", (rc, out, err, stdout), (0, "10\n20\n", "", "60\n" + plain))
    body = ("println(W->c = 300); W->uc = -1; W->s = 40000; W->us = -2; W->i = 2147483648; "
            "W->u = -1; W->l = 0x7fffffffffffffff; W->e = 2").replace("W", '@var("w@guru.c")')
    rc, out, err, stdout = run(["-g", "-c", g + " 1", "-e", fn + "{ %s }" % body])
    check("guru truncates as C", (rc, out, err, stdout),
          (0, "44\n", "", "2\n44 255 -25536 65534 -2147483648 4294967295 9223372036854775807 2\n"
                          "10 20 30 40\n"))
    rc, out, err, stdout = run(["-g", "-c", g + " 2", "-e", 'global k ' + fn +
                                '{ @var("values@guru.c")[k++] += 5; @var("values")[$v + 1] = $v * 100 } '
                                'probe end { println(k) }'])
    check("guru computed index, evaluated once", (rc, out, err, stdout),
          (0, "2\n", "", "6\n1 2 3 4 5 6 7 0\n15 25 100 200\n"))
    rc, out, err, _ = run(["-g", "-p2", "-e", fn + "{ $tripled = 1 }"])
    check("guru optimized out", (rc, err.startswith("semantic error: unable to find location of "
                                                    "'tripled' ("), "identifier '$tripled'" in err),
          (1, True, True))
    # -x: the first hit writes w.i and ends the session; the program, untraced, prints it.
    p = S.spawn([g, "300", "5"])
    check("guru -x: guru runs", wait_exec(p.pid, g), True)
    rc, out, err, _ = run(["-g", "-x", str(p.pid), "-e", fn +
                           '{ @var("w@guru.c")->i = 99; exit() }'])
    tail = p.communicate(timeout=30)[0].decode()
    check("guru write stays after the detach", (rc, out, err, tail),
          (0, "", "", "90300\n1 2 3 4 99 6 7 0\n10 20 30 40\n"))


GROUPS = {
    "functions": [test_functions],
    "events": [test_events],
    "syscalls": [test_syscalls],
    "strings": [test_strings],
    "errors": [test_errors, test_descriptors],
    "list": [test_list, test_list_dwarf],
    "attach": [test_attach],
    "inproc": [test_inproc, test_inproc_shared_site, test_inproc_survive],
    "examples": [test_examples],
    "backtrace": [test_backtrace],
    "dwarf": [test_dwarf, test_dwarf_atvar],
    "entry": [test_entry],
    "inline": [test_inline],
    "symlines": [test_symlines],
    "aliases": [test_aliases],
    "sdt": [test_sdt],
    "guru": [test_guru, test_guru_widths],
}


def main():
    os.environ["USTAP_E2E"] = "yes"
    return S.main(GROUPS, "--ustap",
                  [("--examples", "DIR", "examples/stap, the scripts of group examples")])


if __name__ == "__main__":
    sys.exit(main())
