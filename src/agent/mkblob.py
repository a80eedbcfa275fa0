#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Turns the linked agent (agent.elf) into the blob the tracer embeds, and fails the build when
# the ELF is not a flat, position-independent image:
#   - no relocation of any kind left (a RELATIVE one means an absolute address in the data:
#     the blob would only work at address 0), no dynamic symbol, no undefined symbol;
#   - no TLS, no interpreter;
#   - every allocated section is one of the blob's (.agent_text at 0, r-x; .agent_data at the
#     page after it; .agent_bss, zeroed) or bookkeeping the PIE link made for a dynamic loader
#     and that the linker script put after the agent's end, outside the blob;
#   - the header at offset 0 agrees with the ELF: magic, sizes, boot area, call stub bytes, and
#     every entry offset is the start of a function.
# Then: objcopy -O binary of the blob's two sections, and a C file holding its bytes.
#
# usage: mkblob.py OBJCOPY AGENT.ELF OUT.bin OUT.c
#        mkblob.py --check OBJCOPY AGENT.ELF     the checks only, nothing written (tests)
import os
import struct
import subprocess
import sys
import tempfile

MAGIC = 0x47415455
SHT_SYMTAB, SHT_RELA, SHT_REL, SHT_DYNSYM, SHT_NOBITS, SHT_RELR = 2, 4, 9, 11, 8, 19
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR, SHF_TLS = 0x1, 0x2, 0x4, 0x400
PT_INTERP, PT_TLS = 3, 7
STT_FUNC = 2
BLOB = (".agent_text", ".agent_data", ".agent_bss")
BOOKKEEPING = (".dynamic", ".dynsym", ".dynstr", ".gnu.hash", ".hash")
HEADER = struct.Struct("<IHHIIIIII16s16I")
CALL_STUB = b"\xff\xd0\xcc"


class Elf:
    def __init__(self, data):
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise ValueError("not a little-endian ELF64 file")
        (self.type, self.machine, _, _, phoff, shoff, _, _, phentsize, phnum, shentsize, shnum,
         shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", data, 16)
        self.data = data
        self.segments = [struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
                         for i in range(phnum)]
        raw = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
               for i in range(shnum)]
        strtab = raw[shstrndx]
        self.sections = []
        for (name, stype, flags, addr, off, size, link, info, align, entsize) in raw:
            self.sections.append(dict(name=self.cstr(strtab[4] + name), type=stype, flags=flags,
                                      addr=addr, off=off, size=size, link=link, entsize=entsize))

    def cstr(self, off):
        return self.data[off:self.data.index(b"\0", off)].decode()

    def symbols(self, stype):
        for s in self.sections:
            if s["type"] != stype:
                continue
            names = self.sections[s["link"]]["off"]
            for i in range(s["size"] // s["entsize"]):
                name, info, _, shndx, value, size = struct.unpack_from(
                    "<IBBHQQ", self.data, s["off"] + i * s["entsize"])
                yield i, self.cstr(names + name), info & 0xf, shndx, value


def check(elf):
    errors = []
    syms = {}
    funcs = set()
    if elf.type != 3 or elf.machine != 62:
        errors.append("not an x86-64 position-independent executable")
    for s in elf.sections:
        if s["type"] in (SHT_RELA, SHT_REL, SHT_RELR) and s["size"]:
            errors.append("%s: %d bytes of relocations" % (s["name"], s["size"]))
        if s["flags"] & SHF_TLS:
            errors.append("%s: thread-local storage" % s["name"])
    for i, name, _, shndx, _ in elf.symbols(SHT_DYNSYM):
        if i:
            errors.append("dynamic symbol %s" % name)
    for i, name, stype, shndx, value in elf.symbols(SHT_SYMTAB):
        if i and shndx == 0:
            errors.append("undefined symbol %s" % name)
        syms[name] = value
        if stype == STT_FUNC:
            funcs.add(value)
    for seg in elf.segments:
        if seg[0] in (PT_INTERP, PT_TLS):
            errors.append("program header of type %d" % seg[0])
    end = syms.get("__agent_end", 0)
    for s in elf.sections:
        if not s["flags"] & SHF_ALLOC or s["name"] in BLOB:
            continue
        if s["name"].startswith(".got") and s["size"]:
            errors.append("%s: a reference that is not to a defined hidden symbol" % s["name"])
        elif s["name"] not in BOOKKEEPING or s["addr"] < end:
            errors.append("%s: allocated section outside the blob's layout" % s["name"])
    text = next((s for s in elf.sections if s["name"] == ".agent_text"), None)
    if not text or text["addr"] != 0 or text["flags"] & SHF_WRITE:
        errors.append(".agent_text: not read-only code at address 0")
    for s in elf.sections:
        if s["name"] == ".agent_data" and s["addr"] != syms.get("__agent_text_end"):
            errors.append(".agent_data: not at the end of the text")
    return errors, syms, funcs


def check_header(blob, syms, funcs):
    errors = []
    if len(blob) < HEADER.size:
        return ["blob of %d bytes: no header" % len(blob)]
    (magic, version, hsize, text_size, image_size, bss_size, boot, stub, nentries, name,
     *entries) = HEADER.unpack_from(blob)
    want = dict(text_size=("__agent_text_end", text_size),
                image_size=("__agent_image_end", image_size),
                boot=("agent_boot_area", boot), call_stub=("agent_call_stub", stub))
    if magic != MAGIC or hsize != HEADER.size:
        errors.append("header: magic %#x, size %d" % (magic, hsize))
    for field, (sym, got) in want.items():
        if syms.get(sym) != got:
            errors.append("header: %s %#x, but %s is at %s" % (field, got, sym, syms.get(sym)))
    if image_size != len(blob) or text_size % 4096 or text_size > image_size:
        errors.append("header: text %d, image %d, blob %d bytes" % (text_size, image_size,
                                                                   len(blob)))
    if bss_size != syms.get("__agent_end", -1) - image_size:
        errors.append("header: bss size %d" % bss_size)
    if not text_size <= boot < image_size + bss_size:
        errors.append("header: boot area %#x outside the data" % boot)
    if blob[stub:stub + len(CALL_STUB)] != CALL_STUB:
        errors.append("header: no `call *%%rax; int3` at %#x" % stub)
    if not 0 < nentries <= len(entries):
        errors.append("header: %d entries" % nentries)
    for i, off in enumerate(entries):
        if i < nentries and (off not in funcs or off >= text_size):
            errors.append("header: entry %d at %#x is not a function of the text" % (i, off))
        if i >= nentries and off:
            errors.append("header: entry %d set past nentries" % i)
    if not name.startswith(b"utrace-agent\0"):
        errors.append("header: name %r" % name)
    return errors


def c_array(blob):
    lines = ["/* Generated by src/agent/mkblob.py from the linked agent: do not edit. */",
             "#include \"agent/blob.h\"", "",
             "const unsigned char agent_blob[] __attribute__((aligned(16))) = {"]
    for i in range(0, len(blob), 12):
        lines.append("\t" + " ".join("0x%02x," % b for b in blob[i:i + 12]))
    lines += ["};", "const size_t agent_blob_size = sizeof(agent_blob);", ""]
    return "\n".join(lines)


def main():
    check_only = sys.argv[1:2] == ["--check"]
    if check_only:
        objcopy, elf_path = sys.argv[2:]
        tmp = tempfile.TemporaryDirectory()
        bin_path, c_path = os.path.join(tmp.name, "agent.bin"), None
    else:
        objcopy, elf_path, bin_path, c_path = sys.argv[1:]
    with open(elf_path, "rb") as f:
        elf = Elf(f.read())
    errors, syms, funcs = check(elf)
    subprocess.run([objcopy, "-O", "binary", "-j", ".agent_text", "-j", ".agent_data",
                    elf_path, bin_path], check=True)
    with open(bin_path, "rb") as f:
        blob = f.read()
    errors += check_header(blob, syms, funcs)
    for e in errors:
        print("%s: %s" % (elf_path, e), file=sys.stderr)
    if errors:
        return 1
    if c_path:
        with open(c_path, "w") as f:
            f.write(c_array(blob))
    hdr = HEADER.unpack_from(blob)
    print("agent: %d bytes (text %d), %d more zeroed" % (len(blob), hdr[3], hdr[5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
