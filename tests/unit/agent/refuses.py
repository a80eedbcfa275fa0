#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# mkblob.py --check must refuse ELF, with a message that contains WHY.
# usage: refuses.py MKBLOB OBJCOPY ELF WHY
import subprocess
import sys

mkblob, objcopy, elf, why = sys.argv[1:]
run = subprocess.run([sys.executable, mkblob, "--check", objcopy, elf], capture_output=True,
                     text=True)
sys.stderr.write(run.stderr)
if run.returncode != 1 or why not in run.stderr:
    print("mkblob.py exited %d; expected 1 and %r in its messages" % (run.returncode, why))
    sys.exit(1)
