#!/usr/bin/env python3
# The VM and its runtime run inside handlers and are to run inside the traced process later,
# linked into the agent (design.md section 5): no allocation, no stdio, no errno.  This reads
# the symbols of every object file of the VM's library (nm) and fails on an undefined symbol
# that is not defined by another member of the library and is not on the short list the agent
# will provide itself: the string.h routines the compiler may also emit, libgcc helpers, and
# the hooks of sanitizer or coverage builds.  An allocator, stdio, errno, the compiler's arena
# or string buffer are named as such.
#
# usage: check_freestanding.py LIBRARY [MEMBER.c ...] [--also LIBRARY ...]
#   MEMBER.c  check only these objects of LIBRARY (the others may use libc)
#   --also    libraries linked beside it: what they define counts as provided
import re
import subprocess
import sys

DENIED = re.compile(r"^(malloc|calloc|realloc|free|strdup|strndup|reallocarray|"
                    r"(v?[sf]?n?printf)|puts|fputs|fputc|putchar|fopen|fclose|fwrite|fread|fflush|"
                    r"__errno_location|perror|strerror|abort|exit|reg(comp|exec|free)|"
                    r"arena_.*|sb_.*)$")
ALLOWED = re.compile(r"^(mem(cpy|move|set|cmp|chr)|st[rp]cpy|strcat|"
                     r"str(len|nlen|cmp|ncmp|chr|rchr|str|c?spn)|"
                     r"_GLOBAL_OFFSET_TABLE_|__stack_chk_fail|"
                     r"__(u?(div|mod)|mul|popcount|clz|ctz)[a-z]*[0-9]|"
                     r"__(asan|ubsan|sanitizer|lsan|gcov|llvm)_.*)$")


def symbols(lib, *flags):
    out = subprocess.run(["nm", *flags, lib], capture_output=True, text=True, check=True).stdout
    member = None
    for line in out.splitlines():
        if line.endswith(".o:"):
            member = line[:-1].rsplit("/", 1)[-1]
            yield member, None, None
            continue
        fields = line.split()
        if member and len(fields) >= 2:
            yield member, fields[-2], fields[-1]


def main():
    lib, only, also = sys.argv[1], set(), []
    args = sys.argv[2:]
    while args:
        a = args.pop(0)
        if a == "--also" and args:
            also.append(args.pop(0))
        else:
            only.add(a.rsplit("/", 1)[-1].rsplit(".", 1)[0] + ".c.o")
    members, defined, undefined = set(), set(), []
    for member, kind, name in symbols(lib):
        if only and member not in only:
            continue
        if kind is None:
            members.add(member)
        elif kind == "U":
            undefined.append((member, name))
        else:
            defined.add(name)
    for other in also:
        defined.update(name for _, kind, name in symbols(other) if kind and kind != "U")
    bad = []
    for member, name in undefined:
        if DENIED.match(name):
            bad.append("not freestanding: %s: %s" % (member, name))
        elif name not in defined and not ALLOWED.match(name):
            bad.append("not provided by the agent: %s: %s" % (member, name))
    if not members:
        bad.append("no objects in " + lib)
    for b in bad:
        print(b)
    print("%d objects checked" % len(members))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
