/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The script VM inside the agent (src/agent/host_agent.c), in a real program: a script
 * compiled here is packed, written into tests/progs/agentee beside the agent, unpacked there
 * by VM_INIT, and its handlers run N times by remote calls of RUN with register blocks made
 * here.  Then, read from this side: the globals region gives a counter of N to the tracer's
 * own VM (its layout is offset-based, so a copy at another address is the same globals) and a
 * foreach over a map in an end probe run by that VM prints the right counts; the output
 * records in the ring decode to the exact lines; a read of a good user string works and one
 * of a bad address becomes the VM's fault error, recorded, not the program's crash.  The
 * program must then exit with its own status.
 *
 * Then DISPATCH, the trampolines' entry, called remotely as the SysV function it is, on a
 * register block written in the program: one region laid out as the ABI has it (struct
 * agent_shared and its sites at 0, the VM's part at its vm_off), the agent loaded with it, and
 * VM_INIT with AGENT_VM_GLOBALS_SET after the tracer's own VM ran begin on the globals and
 * put them there.  A site runs its probe on the block's rdi (the exact line in the ring, the
 * counter in the region's globals, the site's hit); a site of two probes runs both in order;
 * a guru-mode write to rdi reaches the next probe of the site and the block, and nothing else
 * in the block changes; fs_base is 0 unless the dispatcher's thread id mode is rdfsbase (then
 * the thread's, where the CPU has FSGSBASE); a counting site only counts; a site beyond nsites
 * is counted apart; with the VM lock held by the tracer a hit is counted and its run skipped,
 * not hung, and runs again once the lock is free.  The script is compiled against two programs (guru's
 * twice has its parameter in rdi), as one session's script may be.
 *
 * The shared region is anonymous memory mapped in the program by a remote mmap and read here
 * with process_vm_readv; the tracer's memfd mapped in both is the next step.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <asm/hwcap2.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "harness.h"
#include "agent/agent_abi.h"
#include "agent/ring.h"
#include "inject/agent_load.h"
#include "inject/inject.h"
#include "lang/codegen.h"
#include "lang/parse.h"
#include "lang/program_pack.h"
#include "lang/sema/sema.h"
#include "os/os.h"
#include "util/strbuf.h"
#include "vm/vm.h"

#define EXIT_OK	 42
#define HOLD_MS	 5000
#define RUNS	 50
#define RING_SZ	 (64 * 1024)
#define PAGE	 4096ul
#define BAD_ADDR 0x10ul

static const char script_fmt[] =
	"global n, a\n"
	"probe process(\"%s\").function(\"step\") {\n"
	"	n++; printf(\"%%d\\n\", int_arg(2)); a[int_arg(2) %% 3]++\n"
	"}\n"
	"probe process(\"%s\").function(\"run\") { println(user_string(pointer_arg(1))) }\n"
	"probe end { foreach (k+ in a) printf(\"a[%%d]=%%d\\n\", k, a[k]); printf(\"n=%%d\\n\", n) "
	"}\n";

struct compiled {
	struct lex_file src;
	struct ast_file *file;
	struct diag_list dl;
	struct vm_program *prog;
	char text[8192];
};

/* Passes 1 to 3 on c->text, in guru mode (ustap -g) when guru. */
static int compile(struct compiled *c, bool guru)
{
	struct sema_limits lim = {.maxaction = 1000,
				  .maxstringlen = 512,
				  .maxmapentries = 2048,
				  .maxnesting = 10,
				  .guru = guru};
	struct parse_options opt = {0};
	struct sema_program *sp;
	struct pp_config cfg;

	pp_config_default(&cfg, false);
	cfg.arch = "x86_64";
	cfg.kernel_v = "6.1.0";
	cfg.kernel_vr = "6.1.0-13-amd64";
	opt.pp = &cfg;
	c->src.name = "t.stp";
	c->src.text = c->text;
	c->src.len = strlen(c->text);
	if (parse_file(&c->src, &opt, &c->dl, &c->file) < 0)
		return -1;
	if (sema_elaborate(c->file, &lim, &c->dl, &sp) < 0)
		return -1;
	return codegen(sp, &c->dl, &c->prog) < 0 ? -1 : 0;
}

static int probe_index(const struct vm_program *prog, enum vm_probe_kind kind, const char *func)
{
	for (uint32_t i = 0; i < prog->nprobes; i++)
		if (prog->probes[i].kind == kind &&
		    (!func || (prog->probes[i].func && !strcmp(prog->probes[i].func, func))))
			return (int)i;
	return -1;
}

/* The tracer's side of the script: a VM of its own, output captured. */
static void cap_output(void *data, const char *buf, size_t len)
{
	sb_append(data, buf, len);
}

static void cap_error(void *data, const char *msg, const char *where)
{
	sb_printf(data, "ERROR: %s %s\n", msg, where);
}

static void show(const struct strbuf *got, const struct strbuf *want)
{
	printf("# got:\n#   ");
	for (const char *p = sb_str(got); *p; p++)
		printf(*p == '\n' && p[1] ? "\n#   " : "%c", *p);
	printf("\n# want:\n#   ");
	for (const char *p = sb_str(want); *p; p++)
		printf(*p == '\n' && p[1] ? "\n#   " : "%c", *p);
	printf("\n");
}

static void print_log(enum utrace_log_level level, const char *msg)
{
	(void)level;
	printf("# utrace: %s\n", msg);
}

/* Hold the program at its first nanosleep: in main's loop, whatever the machine's load. */
static bool caught;

static uint32_t a_entry(uint32_t action, struct utrace_engine *engine,
			struct user_regs_struct *regs)
{
	(void)action, (void)engine;
	if (caught || (long)regs->orig_rax != SYS_clock_nanosleep)
		return UTRACE_RESUME;
	caught = true;
	return UTRACE_STOP;
}

static const struct utrace_engine_ops ops = {.report_syscall_entry = a_entry};

static bool held(pid_t pid, struct utrace_engine *e)
{
	struct utrace_examiner exam;

	return utrace_prepare_examine(pid, e, &exam) == 0;
}

static long remote_mmap(pid_t tid, uint64_t size)
{
	uint64_t args[6] = {
		0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0};
	long ret = -1;
	int r = inj_syscall(tid, SYS_mmap, args, &ret);

	return r < 0 ? r : ret;
}

static uint64_t align_page(uint64_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

/* The ring's records, copied out of the program, as "TYPE text" lines. */
static void drain(pid_t pid, uint64_t ring_addr, struct strbuf *out, uint64_t *ret_drops)
{
	struct agent_ring *r = malloc(RING_SZ);
	struct agent_rec rec;

	if (!r || mem_read_all(pid, ring_addr, r, RING_SZ) < 0) {
		sb_printf(out, "(unreadable ring)\n");
		free(r);
		return;
	}
	*ret_drops = r->drops;
	while (agent_ring_peek(r, &rec)) {
		if (rec.type == AGENT_REC_OUTPUT)
			sb_append(out, rec.data, rec.len);
		else if (rec.type == AGENT_REC_ERROR)
			sb_printf(out, "ERROR: %s (%.*s)\n", (const char *)rec.data,
				  (int)(rec.len - strlen(rec.data) - 1),
				  (const char *)rec.data + strlen(rec.data) + 1);
		else
			sb_printf(out, "record %u of %u bytes\n", rec.type, rec.len);
		agent_ring_consume(r);
	}
	free(r);
}

static void test_vm_in_agent(void)
{
	char *argv[] = {(char *)prog("agentee"), "0", "2000", NULL};
	struct compiled c = {0};
	struct utrace_engine *e;
	struct inj_agent *a = NULL;
	struct agent_vm_shared sh = {0};
	struct agent_vm_boot vb = {.size = sizeof(vb), .version = AGENT_ABI_VERSION};
	struct user_regs_struct regs = {0};
	struct strbuf got = {0}, want = {0}, end_out = {0};
	uint64_t args[6] = {0}, word = 0, drops = 0, counts[5] = {0};
	uint64_t work_size, vm_size, shared_size, base, img_addr, work, shared, scratch;
	struct vm tvm;
	struct vm_host th = {.output = cap_output, .error = cap_error};
	void *img = NULL, *tregion;
	size_t img_len = 0, unpack_size = 0;
	int step, runp, endp, r, status;
	uint64_t set[UTRACE_NR_SYSCALLS / 64] = {0};
	long waited;
	pid_t pid;

	snprintf(c.text, sizeof(c.text), script_fmt, prog("agentee"), prog("agentee"));
	if (!tap_ok(compile(&c, false) == 0, "the script compiles")) {
		struct strbuf sb = {0};

		diag_render(&c.dl, &sb);
		printf("# %s", sb_str(&sb));
		return;
	}
	step = probe_index(c.prog, VM_PROBE_PROCESS, "step");
	runp = probe_index(c.prog, VM_PROBE_PROCESS, "run");
	endp = probe_index(c.prog, VM_PROBE_END, NULL);
	tap_ok(step >= 0 && runp >= 0 && endp >= 0, "its three probes are there");
	r = vm_program_pack(c.prog, &img, &img_len);
	if (r == 0)
		r = vm_program_unpack_size(img, img_len, &unpack_size);
	tap_ok(r == 0, "it packs (%zu bytes; %zu unpacked)", img_len, unpack_size);

	if (utrace_spawn(argv, &pid) < 0) {
		tap_ok(false, "agentee started");
		return;
	}
	e = utrace_attach(pid, UTRACE_ATTACH_CREATE, &ops, NULL);
	set[SYS_clock_nanosleep / 64] |= 1ull << (SYS_clock_nanosleep % 64);
	utrace_set_events(pid, e, UTRACE_EVENT(SYSCALL_ENTRY));
	utrace_set_syscalls(pid, e, set);
	utrace_control(pid, e, UTRACE_RESUME);
	for (waited = 0; waited < HOLD_MS && !(caught && held(pid, e)); waited += 5)
		run_for(5);
	if (!tap_ok(caught && held(pid, e), "agentee held at its first nanosleep"))
		goto out;
	r = inj_agent_load(pid, &a);
	if (!tap_ok(r == 0, "agent loaded (%d)", r))
		goto out;

	work_size = align_page(img_len) + align_page(unpack_size);
	vm_size = (vm_region_size(c.prog) + 15) & ~15ul;
	shared_size = align_page(4096 + vm_size + RING_SZ);
	base = (uint64_t)remote_mmap(pid, work_size + shared_size + PAGE);
	if (!tap_ok((long)base > 0, "regions mapped in the program (%#lx)", (unsigned long)base))
		goto out;
	img_addr = base;
	work = base + align_page(img_len);
	shared = base + work_size;
	scratch = shared + shared_size;
	sh.magic = AGENT_VM_SHARED_MAGIC;
	sh.vm_off = 4096;
	sh.vm_size = vm_size;
	sh.ring_off = 4096 + vm_size;
	sh.ring_size = RING_SZ;
	vb.image = img_addr;
	vb.image_size = img_len;
	vb.work = work;
	vb.work_size = align_page(unpack_size);
	vb.shared = shared;
	vb.shared_size = shared_size;
	tap_ok(mem_write_all(pid, img_addr, img, img_len) == 0 &&
		       mem_write_all(pid, shared, &sh, sizeof(sh)) == 0 &&
		       mem_write_all(pid, scratch, &vb, sizeof(vb)) == 0,
	       "image, layout and boot written");

	args[0] = (uint64_t)step;
	r = inj_agent_call(a, pid, AGENT_ENTRY_RUN, args, &word);
	tap_ok(r == 0 && (int64_t)word == -ENOENT, "RUN before VM_INIT: ENOENT (%lld)",
	       (long long)word);
	args[0] = scratch;
	r = inj_agent_call(a, pid, AGENT_ENTRY_VM_INIT, args, &word);
	tap_ok(r == 0 && word == 0, "VM_INIT: the program unpacked (%lld)", (long long)word);
	r = inj_agent_call(a, pid, AGENT_ENTRY_VM_INIT, args, &word);
	tap_ok(r == 0 && (int64_t)word == -EALREADY, "a second VM_INIT: EALREADY");

	/* step(acc, i): i in rsi, int_arg(2). */
	for (int i = 0; i < RUNS; i++) {
		regs.rdi = 0x1000;
		regs.rsi = (uint64_t)(i * 7 - 20);
		/* Negative keys too: stap's %% truncates toward 0, as C does. */
		args[0] = (uint64_t)step;
		args[1] = scratch + 512;
		if (mem_write_all(pid, scratch + 512, &regs, sizeof(regs)) < 0 ||
		    inj_agent_call(a, pid, AGENT_ENTRY_RUN, args, &word) < 0 || word != 0)
			break;
		sb_printf(&want, "%d\n", i * 7 - 20);
		counts[(i * 7 - 20) % 3 + 2]++;
	}
	/* run(arg): a good string, then a bad address. */
	mem_write_all(pid, scratch + 2048, "hello from the agent", 21);
	regs.rdi = scratch + 2048;
	mem_write_all(pid, scratch + 512, &regs, sizeof(regs));
	args[0] = (uint64_t)runp;
	r = inj_agent_call(a, pid, AGENT_ENTRY_RUN, args, &word);
	tap_ok(r == 0 && word == 0, "user_string of a good address runs");
	sb_printf(&want, "hello from the agent\n");
	regs.rdi = BAD_ADDR;
	mem_write_all(pid, scratch + 512, &regs, sizeof(regs));
	r = inj_agent_call(a, pid, AGENT_ENTRY_RUN, args, &word);
	tap_ok(r == 0 && (int64_t)word == -ECANCELED,
	       "user_string of a bad address: the handler ends in an error (%lld)",
	       (long long)word);
	args[0] = c.prog->nprobes;
	r = inj_agent_call(a, pid, AGENT_ENTRY_RUN, args, &word);
	tap_ok(r == 0 && (int64_t)word == -EINVAL, "RUN of no such probe: EINVAL");

	drain(pid, shared + sh.ring_off, &got, &drops);
	{
		/* Where the fault was: user_string's column on line 5 of the script. */
		const char *line = c.text;

		for (int l = 1; l < 5; l++)
			line = strchr(line, '\n') + 1;
		sb_printf(&want,
			  "ERROR: user string copy fault -14 at 0x0000000000000010 "
			  "[man error::fault] (identifier 'user_string' at t.stp:5:%d)\n",
			  (int)(strstr(line, "user_string") - line) + 1);
	}
	if (!tap_ok(!strcmp(sb_str(&got), sb_str(&want)),
		    "the ring's records are the handlers' lines, then the fault"))
		show(&got, &want);
	tap_is(drops, 0, "nothing dropped");
	mem_read_all(pid, shared, &sh, sizeof(sh));
	tap_is(sh.runs, RUNS + 2, "the agent counted every run");
	tap_is(sh.errors, 1, "and one error");
	tap_is(sh.skipped, 0, "and no skip");

	/* The globals, read by the tracer's own VM. */
	tregion = aligned_alloc(16, vm_size);
	memset(tregion, 0, vm_size);
	vm_init(&tvm, c.prog, tregion, vm_size, &th, &end_out);
	mem_read_all(pid, shared + sh.vm_off, tvm.globals, c.prog->globals_bytes);
	{
		int64_t n = 0;

		for (uint32_t g = 0; g < c.prog->nglobals; g++)
			if (!strcmp(c.prog->globals[g].name, "n"))
				memcpy(&n, vm_global_ptr(&tvm, g), sizeof(n));
		tap_is(n, RUNS, "the counter n is the number of runs");
	}
	{
		struct vm_hit_ctx ctx = {.probe = &c.prog->probes[endp], .interruptible = true};

		sb_reset(&want);
		for (int k = -2; k <= 2; k++)
			if (counts[k + 2])
				sb_printf(&want, "a[%d]=%llu\n", k,
					  (unsigned long long)counts[k + 2]);
		sb_printf(&want, "n=%d\n", RUNS);
		vm_run(&tvm, &c.prog->chunks[c.prog->probes[endp].handler], &ctx);
		if (!tap_ok(!strcmp(sb_str(&end_out), sb_str(&want)),
			    "the map's contents, by the tracer's foreach"))
			show(&end_out, &want);
	}
	free(tregion);

out:
	if (a)
		inj_agent_unload(a, pid);
	utrace_control(pid, e, UTRACE_RESUME);
	status = run_to_exit(pid, 30000);
	tap_exited(status, EXIT_OK, "agentee exited %d", EXIT_OK);
	utrace_engine_put(e);
	sb_release(&got);
	sb_release(&want);
	sb_release(&end_out);
	free(img);
	vm_program_free(c.prog);
	ast_file_free(c.file);
	diag_release(&c.dl);
}

/* ---- DISPATCH: a site's probes, run as a trampoline's call runs them ---------------------- */

#define NSITES	   5
#define SHARED_HDR 4096ul /* struct agent_shared and its sites, then the VM's part */

static const char dispatch_fmt[] =
	"global n = 5, order\n"
	"probe begin { n = 100 }\n"
	"probe process(\"%s\").function(\"step\") { n++; printf(\"rdi=%%d\\n\", long_arg(1)) }\n"
	"probe process(\"%s\").function(\"run\") { order = order * 10 + 1; println(\"first\") }\n"
	"probe process(\"%s\").function(\"run\") { order = order * 10 + 2; println(\"second\") }\n"
	"probe process(\"%s\").function(\"twice\") { $v = $v + 100 }\n"
	"probe process(\"%s\").function(\"main\") { printf(\"fs=%%x\\n\", u_register(\"fs_base\")) "
	"}\n";

/* The probe of func, the nth (from 0) when several are. */
static int nth_probe(const struct vm_program *prog, const char *func, int nth)
{
	for (uint32_t i = 0; i < prog->nprobes; i++)
		if (prog->probes[i].func && !strcmp(prog->probes[i].func, func) && nth-- == 0)
			return (int)i;
	return -1;
}

struct dispatcher {
	pid_t pid;
	struct inj_agent *a;
	uint64_t region, regs_addr;
	uint64_t vm_part; /* region + SHARED_HDR: struct agent_vm_shared */
	const struct vm_program *prog;
};

/* agent_dispatch(regs, site) by a remote call, with *regs written to the program and read back. */
static int dispatch(const struct dispatcher *d, struct agent_regs *regs, uint32_t site)
{
	uint64_t args[6] = {d->regs_addr, site}, word = 0;
	int r = mem_write_all(d->pid, d->regs_addr, regs, sizeof(*regs));

	if (r == 0)
		r = inj_agent_call(d->a, d->pid, AGENT_ENTRY_DISPATCH, args, &word);
	if (r == 0)
		r = mem_read_all(d->pid, d->regs_addr, regs, sizeof(*regs));
	return r;
}

static struct agent_site site_of(const struct dispatcher *d, uint32_t site)
{
	struct agent_site s = {0};

	mem_read_all(d->pid, d->region + offsetof(struct agent_shared, site) + site * sizeof(s), &s,
		     sizeof(s));
	return s;
}

static struct agent_vm_shared vm_shared_of(const struct dispatcher *d)
{
	struct agent_vm_shared sh = {0};

	mem_read_all(d->pid, d->vm_part, &sh, sizeof(sh));
	return sh;
}

/* A long global, read from the region as the tracer reads it. */
static int64_t global_of(const struct dispatcher *d, const char *name)
{
	struct agent_vm_shared sh = vm_shared_of(d);
	int64_t v = -1;

	for (uint32_t g = 0; g < d->prog->nglobals; g++)
		if (!strcmp(d->prog->globals[g].name, name))
			mem_read_all(d->pid, d->vm_part + sh.vm_off + d->prog->globals[g].offset,
				     &v, sizeof(v));
	return v;
}

static void set_lock(const struct dispatcher *d, uint32_t v)
{
	mem_write_all(d->pid, d->vm_part + offsetof(struct agent_vm_shared, lock), &v, sizeof(v));
}

static struct agent_regs pattern_regs(void)
{
	struct agent_regs r;
	uint64_t *w = (uint64_t *)&r;

	for (size_t i = 0; i < sizeof(r) / sizeof(*w); i++)
		w[i] = 0x1111111111111111ull * (i + 1);
	r.flags = 0x246;
	return r;
}

static void test_dispatch(void)
{
	char *argv[] = {(char *)prog("agentee"), "0", "2000", NULL};
	struct compiled c = {0};
	struct utrace_engine *e = NULL;
	struct dispatcher d = {0};
	struct agent_shared *hdr = calloc(1, SHARED_HDR);
	struct agent_vm_shared vsh = {0};
	struct agent_vm_boot vb = {.size = sizeof(vb), .version = AGENT_ABI_VERSION};
	struct inj_agent_opts opts = {0};
	struct agent_regs regs, before;
	struct agent_site s;
	struct strbuf got = {0}, want = {0};
	uint64_t args[6] = {0}, word = 0, drops = 0, set[UTRACE_NR_SYSCALLS / 64] = {0};
	uint64_t runs, work_size, vm_size, vm_part_size, region_size, base, img_addr, work, boot;
	int step, run1, run2, twice, fsp, r, status;
	size_t img_len = 0, unpack_size = 0;
	void *img = NULL, *tregion = NULL;
	struct vm tvm;
	struct vm_host th = {.output = cap_output, .error = cap_error};
	char why[128];
	long waited;
	pid_t pid;

	snprintf(c.text, sizeof(c.text), dispatch_fmt, prog("agentee"), prog("agentee"),
		 prog("agentee"), prog("guru"), prog("agentee"));
	if (!tap_ok(hdr && compile(&c, true) == 0, "dispatch: the script compiles")) {
		struct strbuf sb = {0};

		diag_render(&c.dl, &sb);
		printf("# %s", sb_str(&sb));
		goto out_free;
	}
	step = nth_probe(c.prog, "step", 0);
	run1 = nth_probe(c.prog, "run", 0);
	run2 = nth_probe(c.prog, "run", 1);
	twice = nth_probe(c.prog, "twice", 0);
	fsp = nth_probe(c.prog, "main", 0);
	tap_ok(step >= 0 && run1 >= 0 && run2 >= 0 && twice >= 0 && fsp >= 0,
	       "dispatch: its five process probes");
	r = 1;
	for (uint32_t i = 0; i < c.prog->nprobes; i++)
		if (c.prog->probes[i].kind == VM_PROBE_PROCESS)
			r &= vm_probe_in_agent(c.prog, &c.prog->probes[i], why, sizeof(why));
	tap_ok(r == 1, "dispatch: every one of them may run in the agent");
	r = vm_program_pack(c.prog, &img, &img_len);
	if (r == 0)
		r = vm_program_unpack_size(img, img_len, &unpack_size);
	if (!tap_ok(r == 0, "dispatch: it packs"))
		goto out_free;

	if (utrace_spawn(argv, &pid) < 0) {
		tap_ok(false, "dispatch: agentee started");
		goto out_free;
	}
	caught = false;
	e = utrace_attach(pid, UTRACE_ATTACH_CREATE, &ops, NULL);
	set[SYS_clock_nanosleep / 64] |= 1ull << (SYS_clock_nanosleep % 64);
	utrace_set_events(pid, e, UTRACE_EVENT(SYSCALL_ENTRY));
	utrace_set_syscalls(pid, e, set);
	utrace_control(pid, e, UTRACE_RESUME);
	for (waited = 0; waited < HOLD_MS && !(caught && held(pid, e)); waited += 5)
		run_for(5);
	if (!tap_ok(caught && held(pid, e), "dispatch: agentee held at its first nanosleep"))
		goto out;

	/* One region: struct agent_shared and its sites at 0, the VM's part at SHARED_HDR. */
	work_size = align_page(img_len) + align_page(unpack_size);
	vm_size = (vm_region_size(c.prog) + 15) & ~15ul;
	vm_part_size = align_page(PAGE + vm_size + RING_SZ);
	region_size = SHARED_HDR + vm_part_size;
	base = (uint64_t)remote_mmap(pid, region_size + work_size + PAGE);
	if (!tap_ok((long)base > 0, "dispatch: memory mapped in the program"))
		goto out;
	d.pid = pid;
	d.prog = c.prog;
	d.region = base;
	d.vm_part = base + SHARED_HDR;
	img_addr = base + region_size;
	work = img_addr + align_page(img_len);
	boot = work + align_page(unpack_size);
	d.regs_addr = boot + 512;

	hdr->magic = AGENT_SHARED_MAGIC;
	hdr->nsites = NSITES;
	hdr->thread_id = AGENT_ID_GETTID;
	hdr->vm_off = SHARED_HDR;
	hdr->vm_size = vm_part_size;
	hdr->site[0].nprobes = 1;
	hdr->site[0].probe[0] = (uint32_t)step;
	hdr->site[1].nprobes = 2;
	hdr->site[1].probe[0] = (uint32_t)run1;
	hdr->site[1].probe[1] = (uint32_t)run2;
	hdr->site[2].nprobes = 2;
	hdr->site[2].probe[0] = (uint32_t)twice;
	hdr->site[2].probe[1] = (uint32_t)step;
	hdr->site[4].nprobes = 1;
	hdr->site[4].probe[0] = (uint32_t)fsp;
	vsh.magic = AGENT_VM_SHARED_MAGIC;
	vsh.vm_off = PAGE;
	vsh.vm_size = vm_size;
	vsh.ring_off = PAGE + vm_size;
	vsh.ring_size = RING_SZ;
	vb.image = img_addr;
	vb.image_size = img_len;
	vb.work = work;
	vb.work_size = align_page(unpack_size);
	vb.shared = d.vm_part;
	vb.shared_size = vm_part_size;
	vb.flags = AGENT_VM_GLOBALS_SET;
	_Static_assert(sizeof(struct agent_shared) + NSITES * sizeof(struct agent_site) <=
			       SHARED_HDR,
		       "the sites fit before the VM's part");
	if (!tap_ok(mem_write_all(pid, base, hdr, SHARED_HDR) == 0 &&
			    mem_write_all(pid, d.vm_part, &vsh, sizeof(vsh)) == 0 &&
			    mem_write_all(pid, img_addr, img, img_len) == 0 &&
			    mem_write_all(pid, boot, &vb, sizeof(vb)) == 0,
		    "dispatch: region, image and boot written"))
		goto out;
	/* The tracer's VM runs begin (n = 100 over its initial 5) and hands the globals over. */
	tregion = aligned_alloc(16, vm_size);
	if (!tregion)
		goto out;
	memset(tregion, 0, vm_size);
	vm_init(&tvm, c.prog, tregion, vm_size, &th, &got);
	for (uint32_t i = 0; i < c.prog->nprobes; i++)
		if (c.prog->probes[i].kind == VM_PROBE_BEGIN) {
			struct vm_hit_ctx ctx = {.probe = &c.prog->probes[i],
						 .interruptible = true};

			vm_run(&tvm, &c.prog->chunks[c.prog->probes[i].handler], &ctx);
		}
	tap_ok(mem_write_all(pid, d.vm_part + vsh.vm_off, tvm.globals, vm_globals_size(c.prog)) ==
		       0,
	       "dispatch: the globals begin set, moved into the region");
	opts.shared = base;
	opts.shared_size = region_size;
	r = inj_agent_load_opts(pid, &opts, &d.a);
	if (!tap_ok(r == 0, "dispatch: agent loaded with the region (%d)", r))
		goto out;
	args[0] = boot;
	r = inj_agent_call(d.a, pid, AGENT_ENTRY_VM_INIT, args, &word);
	if (!tap_ok(r == 0 && word == 0, "dispatch: VM_INIT with AGENT_VM_GLOBALS_SET (%lld)",
		    (long long)word))
		goto out;

	/* One probe: the hit's rdi, the counter, the site's hits. */
	regs = pattern_regs();
	regs.rdi = 1234;
	r = dispatch(&d, &regs, 0);
	tap_ok(r == 0, "dispatch: site 0 called");
	sb_printf(&want, "rdi=1234\n");
	s = site_of(&d, 0);
	tap_is(s.hits, 1, "dispatch: site 0 counted its hit");
	tap_is(global_of(&d, "n"), 101, "dispatch: n++ on begin's value, in the region's globals");
	tap_is(vm_shared_of(&d).runs, 1, "dispatch: one handler run");

	/* Two probes, in order. */
	regs = pattern_regs();
	r = dispatch(&d, &regs, 1);
	sb_printf(&want, "first\nsecond\n");
	tap_ok(r == 0 && site_of(&d, 1).hits == 1, "dispatch: site 1 counted its hit");
	tap_is(global_of(&d, "order"), 12, "dispatch: site 1 ran both probes, in order");
	tap_is(vm_shared_of(&d).runs, 3, "dispatch: three handlers run");

	/* A guru-mode register write: the next probe sees it, the trampoline gets it back. */
	regs = pattern_regs();
	regs.rdi = 1000;
	before = regs;
	r = dispatch(&d, &regs, 2);
	sb_printf(&want, "rdi=1100\n");
	tap_ok(r == 0 && site_of(&d, 2).hits == 1, "dispatch: site 2 counted its hit");
	tap_is(regs.rdi, 1100, "dispatch: $v = $v + 100 wrote rdi back into the register block");
	before.rdi = 1100;
	tap_ok(!memcmp(&regs, &before, sizeof(regs)), "dispatch: every other register as it was");
	tap_is(global_of(&d, "n"), 102, "dispatch: n counts the second probe of site 2");

	/* A counting site: the hit, nothing run. */
	regs = pattern_regs();
	r = dispatch(&d, &regs, 3);
	tap_ok(r == 0 && site_of(&d, 3).hits == 1, "dispatch: counting site 3 counted its hit");
	tap_is(vm_shared_of(&d).runs, 5, "dispatch: and ran no handler");
	r = dispatch(&d, &regs, NSITES);
	mem_read_all(pid, base, hdr, sizeof(*hdr));
	tap_ok(r == 0 && hdr->unknown_site == 1, "dispatch: a site beyond nsites is counted apart");

	/* fs_base: 0 unless the dispatcher reads it with rdfsbase (its thread id mode). */
	r = dispatch(&d, &regs, 4);
	sb_printf(&want, "fs=0\n");
	tap_ok(r == 0 && site_of(&d, 4).hits == 1, "dispatch: fs_base is 0 in gettid mode");
	if (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) {
		struct user_regs_struct ur;
		uint32_t how = AGENT_ID_RDFSBASE;

		utrace_get_regs(pid, &ur);
		mem_write_all(pid, base + offsetof(struct agent_shared, thread_id), &how,
			      sizeof(how));
		r = dispatch(&d, &regs, 4);
		sb_printf(&want, "fs=%llx\n", (unsigned long long)ur.fs_base);
		how = AGENT_ID_GETTID;
		mem_write_all(pid, base + offsetof(struct agent_shared, thread_id), &how,
			      sizeof(how));
		tap_ok(r == 0 && ur.fs_base, "dispatch: rdfsbase mode gives the thread's fs_base");
	} else {
		tap_ok(1, "dispatch: rdfsbase mode # SKIP the CPU or kernel has no FSGSBASE");
	}
	runs = vm_shared_of(&d).runs;

	/* The lock held by the tracer: the hit is counted and skipped, not hung. */
	tap_is(vm_shared_of(&d).lock, 0, "dispatch: the VM lock is free between hits");
	set_lock(&d, 1);
	regs = pattern_regs();
	regs.rdi = 99;
	r = dispatch(&d, &regs, 0);
	s = site_of(&d, 0);
	tap_ok(r == 0 && s.hits == 2, "dispatch: with the lock held, site 0 still counts the hit");
	tap_is(vm_shared_of(&d).skipped, 1, "dispatch: and the run is skipped and counted");
	tap_is(vm_shared_of(&d).runs, runs, "dispatch: not run");
	tap_is(global_of(&d, "n"), 102, "dispatch: n untouched");
	tap_is(vm_shared_of(&d).lock, 1, "dispatch: the tracer's lock left alone");
	set_lock(&d, 0);
	regs.rdi = 7;
	r = dispatch(&d, &regs, 0);
	sb_printf(&want, "rdi=7\n");
	tap_ok(r == 0 && global_of(&d, "n") == 103, "dispatch: released, site 0 runs again");

	drain(pid, d.vm_part + vsh.ring_off, &got, &drops);
	if (!tap_ok(!strcmp(sb_str(&got), sb_str(&want)),
		    "dispatch: the ring holds the handlers' lines, in order"))
		show(&got, &want);
	tap_is(drops, 0, "dispatch: nothing dropped");
	tap_is(vm_shared_of(&d).errors, 0, "dispatch: no handler failed");

out:
	if (d.a)
		inj_agent_unload(d.a, pid);
	if (e) {
		utrace_control(pid, e, UTRACE_RESUME);
		status = run_to_exit(pid, 30000);
		tap_exited(status, EXIT_OK, "dispatch: agentee exited %d", EXIT_OK);
		utrace_engine_put(e);
	}
out_free:
	sb_release(&got);
	sb_release(&want);
	free(img);
	free(hdr);
	free(tregion);
	vm_program_free(c.prog);
	ast_file_free(c.file);
	diag_release(&c.dl);
}

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	utrace_set_print(print_log, getenv("UTRACE_DEBUG") ? UTRACE_LOG_DEBUG : UTRACE_LOG_WARN);
	test_vm_in_agent();
	test_dispatch();
	return tap_done();
}
