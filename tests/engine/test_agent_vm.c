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
 * The shared region is anonymous memory mapped in the program by a remote mmap and read here
 * with process_vm_readv; the tracer's memfd mapped in both is the next step.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

static int compile(struct compiled *c, const char *exe)
{
	struct sema_limits lim = {
		.maxaction = 1000, .maxstringlen = 512, .maxmapentries = 2048, .maxnesting = 10};
	struct parse_options opt = {0};
	struct sema_program *sp;
	struct pp_config cfg;

	snprintf(c->text, sizeof(c->text), script_fmt, exe, exe);
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

	if (!tap_ok(compile(&c, prog("agentee")) == 0, "the script compiles")) {
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

int main(int argc, char **argv)
{
	harness_init(argc, argv);
	utrace_set_print(print_log, getenv("UTRACE_DEBUG") ? UTRACE_LOG_DEBUG : UTRACE_LOG_WARN);
	test_vm_in_agent();
	return tap_done();
}
