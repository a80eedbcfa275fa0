/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The probe registry: probes keyed by (device, inode, offset), like mainline's uprobes tree
 * keyed by inode.  A probe holds the original instruction bytes read from the file (never from
 * memory, which may already hold somebody's int3), its analysis, and two consumer lists: entry
 * and return.  Registering the first consumer installs the breakpoint in every watched process
 * that maps the file; unregistering the last one removes it.  Consumers run in registration
 * order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sym/sym.h"
#include "uprobe/uprobe-priv.h"
#include "util/log.h"

static struct uprobe *probes;

struct uprobe *up_probes(void)
{
	return probes;
}

struct uprobe *up_probe_find(dev_t dev, ino_t ino, uint64_t offset)
{
	struct uprobe *p;

	for (p = probes; p; p = p->next)
		if (p->dev == dev && p->ino == ino && p->offset == offset)
			return p;
	return NULL;
}

/* Read and analyse the instruction at @offset of @path. */
static int probe_analyse(const char *path, uint64_t offset, struct uprobe *ret)
{
	struct sym_file *f;
	uint64_t vaddr;
	int err = 0, r;

	f = sym_file_open(path, &err);
	if (!f)
		return err ? err : -ENOEXEC;
	r = sym_offset_to_vaddr(f, offset, SYM_NEED_EXEC, &vaddr);
	if (r < 0) {
		sym_file_free(f);
		return -ENOEXEC;
	}
	memset(ret->bytes, 0, sizeof(ret->bytes));
	/* Up to 15 bytes; fewer where the file ends. */
	for (ret->nbytes = sizeof(ret->bytes); ret->nbytes > 0; ret->nbytes--)
		if (sym_file_read(f, offset, ret->bytes, ret->nbytes) == 0)
			break;
	sym_file_free(f);
	if (!ret->nbytes)
		return -ENOEXEC;
	if (arch_is_swbp(ret->bytes[0]))
		return -EEXIST;
	r = arch_uprobe_analyze(&ret->arch, ret->bytes, ret->nbytes, vaddr);
	if (r < 0)
		return r;
	return arch_uprobe_class(&ret->arch) == ARCH_UPROBE_REFUSE ? -EOPNOTSUPP : 0;
}

int uprobe_describe(const char *path, uint64_t offset, enum uprobe_tier *ret_tier, char *reason,
		    size_t len)
{
	struct uprobe tmp;
	int r;

	memset(&tmp, 0, sizeof(tmp));
	r = probe_analyse(path, offset, &tmp);
	if (r < 0 && r != -EOPNOTSUPP) {
		if (r == -EEXIST)
			snprintf(reason, len, "refused: an int3 is already there in the file");
		return r;
	}
	switch (arch_uprobe_class(&tmp.arch)) {
	case ARCH_UPROBE_EMULATE:
		*ret_tier = UPROBE_EMULATED;
		break;
	case ARCH_UPROBE_BOOST:
		*ret_tier = UPROBE_BOOSTED;
		break;
	case ARCH_UPROBE_STEP:
		*ret_tier = UPROBE_STEPPED;
		break;
	default:
		*ret_tier = UPROBE_REFUSED;
		break;
	}
	snprintf(reason, len, "%s", arch_uprobe_reason(&tmp.arch));
	return 0;
}

static bool consumer_listed(struct uprobe_consumer *list, struct uprobe_consumer *uc)
{
	for (; list; list = list->next)
		if (list == uc)
			return true;
	return false;
}

static void consumer_append(struct uprobe_consumer **list, struct uprobe_consumer *uc)
{
	uc->next = NULL;
	while (*list)
		list = &(*list)->next;
	*list = uc;
}

static bool consumer_remove(struct uprobe_consumer **list, struct uprobe_consumer *uc)
{
	for (; *list; list = &(*list)->next) {
		if (*list == uc) {
			*list = uc->next;
			uc->next = NULL;
			return true;
		}
	}
	return false;
}

static int do_register(const char *path, uint64_t offset, uint64_t ref_ctr_offset,
		       struct uprobe_consumer *uc, bool ret)
{
	struct uprobe *probe;
	struct uproc *p;
	struct stat st;
	int r;

	if (stat(path, &st) < 0)
		return -errno;
	probe = up_probe_find(st.st_dev, st.st_ino, offset);
	if (probe) {
		if (ref_ctr_offset && probe->ref_ctr_offset != ref_ctr_offset)
			return -EINVAL;
		if (consumer_listed(probe->consumers, uc) ||
		    consumer_listed(probe->ret_consumers, uc))
			return -EBUSY;
		consumer_append(ret ? &probe->ret_consumers : &probe->consumers, uc);
		return 0;
	}
	probe = calloc(1, sizeof(*probe));
	if (!probe)
		return -ENOMEM;
	r = probe_analyse(path, offset, probe);
	if (r < 0) {
		pr_debug("probe %s:0x%lx: %s", path, (unsigned long)offset,
			 arch_uprobe_reason(&probe->arch)[0] ? arch_uprobe_reason(&probe->arch)
							     : "cannot be probed");
		free(probe);
		return r;
	}
	probe->path = strdup(path);
	probe->dev = st.st_dev;
	probe->ino = st.st_ino;
	probe->offset = offset;
	probe->ref_ctr_offset = ref_ctr_offset;
	consumer_append(ret ? &probe->ret_consumers : &probe->consumers, uc);
	probe->next = probes;
	probes = probe;
	for (p = up_proc_all(); p; p = p->next)
		up_install_probe(p, probe);
	return 0;
}

int uprobe_register(const char *path, uint64_t offset, struct uprobe_consumer *uc)
{
	return do_register(path, offset, 0, uc, false);
}

int uprobe_register_refctr(const char *path, uint64_t offset, uint64_t ref_ctr_offset,
			   struct uprobe_consumer *uc)
{
	return do_register(path, offset, ref_ctr_offset, uc, false);
}

int uretprobe_register(const char *path, uint64_t offset, struct uprobe_consumer *uc)
{
	return do_register(path, offset, 0, uc, true);
}

static int do_unregister(const char *path, uint64_t offset, struct uprobe_consumer *uc, bool ret)
{
	struct uprobe *probe, **link;
	struct uproc *p;
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	probe = up_probe_find(st.st_dev, st.st_ino, offset);
	if (!probe || !consumer_remove(ret ? &probe->ret_consumers : &probe->consumers, uc))
		return -ENOENT;
	if (probe->consumers || probe->ret_consumers)
		return 0;
	for (p = up_proc_all(); p; p = p->next)
		up_remove_probe(p, probe);
	for (link = &probes; *link; link = &(*link)->next) {
		if (*link == probe) {
			*link = probe->next;
			break;
		}
	}
	free(probe->path);
	free(probe);
	return 0;
}

int uprobe_unregister(const char *path, uint64_t offset, struct uprobe_consumer *uc)
{
	return do_unregister(path, offset, uc, false);
}

int uretprobe_unregister(const char *path, uint64_t offset, struct uprobe_consumer *uc)
{
	return do_unregister(path, offset, uc, true);
}
