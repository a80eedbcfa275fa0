#!/usr/bin/env python3
# The VM and its runtime run inside handlers and must be able to run inside the traced process
# later (design.md section 5): no allocation, no stdio, no errno on the hit path.  This reads
# the undefined symbols of the VM's object files in the language library (nm -u) and fails on
# any that would pull those in.  Sanitizer hooks (the ASan build) are not counted.
#
# usage: check_freestanding.py LIBRARY SOURCE...   (SOURCE as in src/lang/meson.build)
import re
import subprocess
import sys

DENIED = re.compile(r"^(malloc|calloc|realloc|free|strdup|strndup|reallocarray|"
                    r"(v?[sf]?n?printf)|puts|fputs|fputc|putchar|fopen|fclose|fwrite|fread|fflush|"
                    r"__errno_location|perror|strerror|abort|exit|arena_.*|sb_.*)$")


def main():
    lib, sources = sys.argv[1], sys.argv[2:]
    members = {s.replace("/", "_") + ".o" for s in sources}
    out = subprocess.run(["nm", "-u", lib], capture_output=True, text=True, check=True).stdout
    member, seen, bad = None, set(), []
    for line in out.splitlines():
        if line.endswith(".o:"):
            member = line[:-1].rsplit("/", 1)[-1]
            seen.add(member)
            continue
        fields = line.split()
        if member in members and len(fields) == 2 and fields[0] == "U":
            if DENIED.match(fields[1]):
                bad.append("%s: %s" % (member, fields[1]))
    missing = sorted(members - seen)
    if missing:
        print("not found in %s: %s" % (lib, ", ".join(missing)))
    for b in bad:
        print("not freestanding: " + b)
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main())
