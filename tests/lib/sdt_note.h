/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An SDT probe note as sys/sdt.h writes it (systemtap-sdt-dev is not installed here), for the
 * test programs: after a `990: nop` at the site, SDT_NOTE() is the assembler text of a stapsdt
 * note (type 3) holding the pc, .stapsdt.base and semaphore addresses (assembler expressions
 * such as "990b" or "0") and the provider, name and argument strings, plus the comdat
 * .stapsdt.base byte the base address refers to.
 */
#ifndef TESTS_SDT_NOTE_H
#define TESTS_SDT_NOTE_H

#define SDT_NOTE(provider, name, pc, base, sem, args)                           \
	".pushsection .note.stapsdt,\"\",\"note\"\n"                            \
	".balign 4\n"                                                           \
	".4byte 992f-991f, 994f-993f, 3\n"                                      \
	"991: .asciz \"stapsdt\"\n"                                             \
	"992: .balign 4\n"                                                      \
	"993: .8byte " pc "\n"                                                  \
	".8byte " base "\n"                                                     \
	".8byte " sem "\n"                                                      \
	".asciz \"" provider "\"\n"                                             \
	".asciz \"" name "\"\n"                                                 \
	".asciz \"" args "\"\n"                                                 \
	"994: .balign 4\n"                                                      \
	".popsection\n"                                                         \
	".ifndef _.stapsdt.base\n"                                              \
	".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
	".weak _.stapsdt.base\n"                                                \
	".hidden _.stapsdt.base\n"                                              \
	"_.stapsdt.base: .space 1\n"                                            \
	".size _.stapsdt.base, 1\n"                                             \
	".popsection\n"                                                         \
	".endif\n"

#endif
