/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Linked into a copy of the agent that mkblob.py must refuse: an absolute address in the data
 * (an R_X86_64_RELATIVE relocation). */
extern char __agent_header[];
char *agent_bad_pointer = __agent_header;
