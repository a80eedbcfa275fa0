/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The contract between the tracer and the in-process agent: the header at offset 0 of the
 * blob, the boot block the tracer fills before agent_init, the entry table, and agent_ping's
 * function.  Included by the freestanding agent (C and assembly: only macros are visible to
 * the assembler) and by the tracer's loader, so it uses nothing but <stdint.h>.
 *
 * Versioning: AGENT_ABI_VERSION changes when a field moves or an entry's contract changes.
 * New entries take the next free slot of the entry table (its size is fixed, nentries says how
 * many the blob fills) and new header fields are appended after it (header_size says where the
 * header ends), so a loader knows which entries a blob has and never reads past its header.
 */
#ifndef AGENT_AGENT_ABI_H
#define AGENT_AGENT_ABI_H

#define AGENT_MAGIC	  0x47415455 /* "UTAG" in memory order */
#define AGENT_ABI_VERSION 1
#define AGENT_ENTRY_MAX	  16 /* slots in the entry table */
#define AGENT_NAME	  "utrace-agent"
#define AGENT_PAGE	  4096

/*
 * The entries, in slot order: AGENT_ENTRY_<ID> is the slot, fn the agent's function.  Every
 * entry is a SysV function of the agent reached through the call stub, except DISPATCH,
 * which the jump-patch trampolines call directly (dispatch.c), and the last three, which are
 * not called at all: SIGTRAP is the handler the tracer installs with rt_sigaction and
 * SIGRETURN its sa_restorer (signal.c).  Next to come: SIGSEGV/SIGBUS handlers for the VM's reads, UNDO (the
 * agent's own replay of the in-process journal when the tracer is gone).
 */
#define AGENT_ENTRIES(X)              \
	X(INIT, agent_init)           \
	X(PING, agent_ping)           \
	X(VM_INIT, agent_vm_init)     \
	X(RUN, agent_run)             \
	X(DISPATCH, agent_dispatch)   \
	X(SIGTRAP, agent_sigtrap)     \
	X(SIGRETURN, agent_sigreturn) \
	X(TRAPS, agent_traps_table)

/* The header's layout, for the assembler (entry.S); agent.c checks it against the struct. */
#define AGENT_HDR_NAME	32
#define AGENT_HDR_ENTRY 48
#define AGENT_HDR_SIZE	(AGENT_HDR_ENTRY + 4 * AGENT_ENTRY_MAX)

/*
 * agent_init returns a status word: the agent's AGENT_ABI_VERSION in the high half, and in the
 * low half 0 or a negative Linux errno (-EPROTO: a boot block it does not take, -EALREADY:
 * initialized before).
 */
#define AGENT_STATUS(status)	   (((uint64_t)AGENT_ABI_VERSION << 32) | (uint32_t)(status))
#define AGENT_STATUS_VERSION(word) ((uint32_t)((word) >> 32))
#define AGENT_STATUS_ERROR(word)   ((int32_t)(uint32_t)(word))

#ifndef __ASSEMBLER__
#include <stdint.h>

enum agent_entry {
#define AGENT_ENTRY_ENUM(id, fn) AGENT_ENTRY_##id,
	AGENT_ENTRIES(AGENT_ENTRY_ENUM)
#undef AGENT_ENTRY_ENUM
	AGENT_NENTRIES
};

/* At offset 0 of the blob.  Offsets are from the blob's start; sizes are in bytes. */
struct agent_header {
	uint32_t magic;	      /* AGENT_MAGIC */
	uint16_t version;     /* AGENT_ABI_VERSION */
	uint16_t header_size; /* sizeof(struct agent_header) as the agent was built */
	uint32_t text_size;   /* [0, text_size): header, code, constants; r-x; page multiple */
	uint32_t image_size;  /* the blob's length; [text_size, image_size): data, rw- */
	uint32_t bss_size;    /* zeroed memory after the image, rw- */
	uint32_t boot;	      /* offset of the struct agent_boot the tracer fills before init */
	uint32_t call_stub;   /* offset of `call *%rax; int3`: remote calls return into the int3 */
	uint32_t nentries;    /* filled slots of entry[] */
	char name[16];	      /* AGENT_NAME: the mapping's name where the kernel names memory */
	uint32_t entry[AGENT_ENTRY_MAX]; /* offsets of the entries, by enum agent_entry */
};

/*
 * Written by the tracer at header.boot, passed to agent_init.  The agent copies it, and
 * answers in the ret_ fields.
 */
struct agent_boot {
	uint32_t size;	       /* sizeof(struct agent_boot) as the tracer knows it */
	uint32_t version;      /* AGENT_ABI_VERSION the tracer speaks */
	uint64_t cookie;       /* chosen by the tracer; agent_ping mixes it in */
	uint64_t shared;       /* address of the region shared with the tracer; 0: none yet */
	uint64_t shared_size;  /* its length */
	int32_t tracer_pid;    /* getpid() of the tracer */
	uint32_t flags;	       /* none defined yet: 0 */
	int32_t ret_pid;       /* the agent's getpid(): which process it finds itself in */
	uint32_t ret_reserved; /* 0 */
};

/*
 * agent_vm_init(vb) sets up the script (host_agent.c), once, after agent_init: an entry of its
 * own rather than fields of the boot block, because the loader runs agent_init before the
 * tracer has a script or shared memory for the process.  image is the packed program
 * (vm/image.h), which is unpacked into work, a private rw- region of at least
 * vm_program_unpack_size bytes; both may go once the call returned.  shared is the region
 * both processes see, starting with a struct agent_vm_shared whose offsets the tracer filled.
 * Returns 0, -EALREADY, -EPROTO (vb's version or size), -EINVAL (a bad image or layout),
 * -ENOSPC (a region too small).
 *
 * agent_run(probe, regs) runs the handler of probe (an index in the program's probes) for a
 * hit whose registers are the struct user_regs_struct at regs.  Returns 0, -ECANCELED (a
 * runtime error ended the handler, recorded in the ring), -EBUSY (skipped: the VM stayed
 * busy), -EINVAL (no such probe), -ENOENT (no script).
 */
struct agent_vm_boot {
	uint32_t size;	  /* sizeof(struct agent_vm_boot) as the tracer knows it */
	uint32_t version; /* AGENT_ABI_VERSION */
	uint64_t image, image_size;
	uint64_t work, work_size;
	uint64_t shared, shared_size;
	uint32_t flags; /* AGENT_VM_* */
	uint32_t reserved;
};

/*
 * The globals in the shared region hold values already: the tracer's own VM ran the begin
 * probes on them before it moved them there, so the agent's VM takes them as they are instead
 * of setting their initial values.
 */
#define AGENT_VM_GLOBALS_SET 0x1u

#define AGENT_VM_SHARED_MAGIC 0x4d565455 /* "UTVM" */

/*
 * The VM's part of the shared region (agent_vm_boot.shared; inside the region of struct
 * agent_shared at its vm_off when the tools run a script), which both processes see, maybe at
 * different addresses: so it holds offsets from its start, never pointers.  The tracer fills
 * magic and the offsets, zeroes the rest; the agent owns the counters.
 *   vm	   the VM's region (vm_init): the script's globals at its start, laid out by
 *	   vm_layout; offset-based too (maps are indices), so the tracer's own VM works on the
 *	   very same globals through its mapping (begin, end, timers, trap-tier probes)
 *   ring  a struct agent_ring (ring.h) of output records
 *   lock  taken around every handler run on those globals, by the agent's threads and by the
 *	   tracer alike (agent_vm_trylock); 0 free, 1 held
 *   stopping  the session is ending, as stap's STAP_SESSION_STOPPING: a hit runs nothing
 *	   (not a skip), whichever side asked
 */
struct agent_vm_shared {
	uint32_t magic; /* AGENT_VM_SHARED_MAGIC */
	uint32_t lock;
	uint64_t vm_off, vm_size;
	uint64_t ring_off, ring_size;
	uint64_t runs;	  /* handlers run */
	uint64_t skipped; /* hits not run: the VM was busy too long (MAXSKIPPED's count) */
	uint64_t errors;  /* handlers ended by a runtime error */
	int64_t target;	  /* target() of the script: the tracer's target pid */
	uint32_t
		stopping; /* set by exit(), abort(), a runtime error, or the tracer: no more runs */
	uint32_t reserved;
};

/*
 * The register context a trampoline saves and passes to agent_dispatch, lowest address first
 * (the trampoline pushes it from the end): rip is the probe address, rsp the thread's rsp at
 * the probe.  The general registers are popped back from it, so a handler may change them;
 * rip and rsp are not written back.
 */
struct agent_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t flags, rip, rsp;
};

/*
 * The region shared by the tracer and the agent (boot.shared): a memfd mapped in both.  The
 * tracer writes the header before agent_init and reads the counters at any time; the agent
 * only adds to counters and claims and frees guard slots, all with atomic operations.
 */
#define AGENT_SHARED_MAGIC 0x48535455 /* "UTSH" */
#define AGENT_GUARD_SLOTS  256	      /* threads inside the agent at once */
#define AGENT_GUARD_WAYS   4	      /* slots a thread may take: guard[first .. first+WAYS) */

/* How agent_dispatch tells threads apart (agent_shared.thread_id). */
enum agent_thread_id {
	AGENT_ID_GETTID,   /* the gettid syscall: always right, costs a syscall per hit */
	AGENT_ID_FS0,	   /* the word at %fs:0, the TLS ABI's thread-pointer self-reference */
	AGENT_ID_RDFSBASE, /* rdfsbase, where the CPU and the kernel allow it */
};

/*
 * A site: its counters, and the probes (indices in the script's program, for agent_run) a hit
 * there runs, in order.  The tracer writes probe[] and then nprobes (release) before the jump
 * that leads there exists, and appends later probes the same way; the agent reads nprobes
 * (acquire) and then probe[].
 */
#define AGENT_SITE_PROBES 6

struct agent_site {
	uint64_t hits;	  /* dispatched (not those of a counter site: its adds count them) */
	uint64_t skipped; /* a hit while the same thread was inside the agent: not dispatched */
	uint32_t nprobes;
	uint32_t probe[AGENT_SITE_PROBES];
	uint32_t reserved;
};

/*
 * vm_off and vm_size: where the VM's part (struct agent_vm_shared) is in this same region, 0
 * when there is no script (the dispatcher only counts).
 */
struct agent_shared {
	uint32_t magic;	    /* AGENT_SHARED_MAGIC */
	uint32_t nsites;    /* entries of site[] */
	uint32_t thread_id; /* enum agent_thread_id */
	uint32_t reserved;
	uint64_t vm_off, vm_size;
	uint64_t unknown_site;		   /* hits with a site number >= nsites */
	uint64_t guard[AGENT_GUARD_SLOTS]; /* ids of the threads inside agent_dispatch; 0 free */
	struct agent_site site[];
};

/*
 * What the trap tier leaves in a process, for the agent's SIGTRAP handler (signal.c), which
 * only ever runs once the tracer is gone: while it traces, every SIGTRAP stops in the tracer
 * first and ours never go on.  The tracer keeps it in the agent's own memory (at the address
 * agent_traps_table() returns, written through process_vm_writev; the agent only reads it,
 * and marks thread records used), and orders its writes so that whatever moment it dies at, the
 * table covers what is in the process:
 *   bp      an entry is written before its int3, and cleared after the int3 is gone;
 *   frame   a hijacked return is written before the trampoline goes into its stack slot, and
 *	     depth with it; frames that returned are not cleared, only overwritten (depth
 *	     says which are live: the ones below the newest hijack);
 *   resume  before the tracer changes a thread's registers to let it go on from one of our
 *	     traps, it writes here the rip and rsp it will give it, and for a step the slot and
 *	     what the step's fix-up needs (mainline's default_post_xol_op), so that a SIGTRAP
 *	     delivered because the tracer died between its register write and the resume is
 *	     known for what it is.
 */
#define AGENT_TRAP_BPS	   1024
#define AGENT_TRAP_THREADS 128
#define AGENT_TRAP_DEPTH   64 /* URET_MAX_DEPTH */

/* The fix-ups after a step, and the registers by their index in the kernel's sigcontext. */
#define AGENT_FIX_IP	    0x01 /* rip += vaddr - slot */
#define AGENT_FIX_CALL	    0x02 /* the pushed return address becomes vaddr + len */
#define AGENT_FIX_SETF	    0x04 /* popf: TF afterwards is the program's */
#define AGENT_FIX_SCRATCH   0x08 /* register scratch gets saved_scratch back */
#define AGENT_FIX_UNDO_CALL 0x10 /* pop the pushed address, restart at vaddr */
#define AGENT_FIX_PUSHF	    0x20 /* clear our TF in the pushed flags */
#define AGENT_REG_RSP	    15
#define AGENT_REG_RIP	    16
#define AGENT_REG_EFLAGS    17

/*
 * An int3 of ours: where (0: a free entry), and the byte it replaced (the low byte).  With
 * AGENT_TRAP_GUARD it is a breakpoint's guard, an int3 on the second byte of the instruction
 * (the breakpoint is at addr - 1): a thread stopped at the breakpoint has rip there, and when
 * the tracer dies the kernel drops the stop's SIGTRAP and lets the thread run on from it.
 * The trampoline is AGENT_TRAP_TRAMP int3s at the XOL area's start, for the same reason.
 */
#define AGENT_TRAP_GUARD 0x100
#define AGENT_TRAP_TRAMP 16
struct agent_trap_bp {
	uint64_t addr;
	uint64_t orig;
};

/* A hijacked return: the stack slot holding the trampoline (0: none), the real address. */
struct agent_trap_frame {
	uint64_t slot, ret_addr;
};

struct agent_trap_thread {
	int32_t tid;	/* 0: a free entry */
	uint32_t depth; /* frame[0, depth) */
	/* The resume: the tracer writes rip to saved_tf in one piece; rip 0: none. */
	uint64_t rip, rsp;
	uint64_t slot;	/* rip was set to the thread's XOL slot for a step (else 0) */
	uint64_t vaddr; /* the stepped instruction: its address, length, AGENT_FIX_* */
	uint64_t saved_scratch;
	uint8_t len, fixups, scratch, saved_tf;
	uint32_t reserved;
	struct agent_trap_frame frame[AGENT_TRAP_DEPTH];
};

/*
 * chain: the program's own disposition of SIGTRAP, as rt_sigaction gave it when ours went in
 * (struct arch_ksigaction: handler, flags, restorer, mask); signal.c hands it every SIGTRAP
 * that is not ours.  xol: the XOL area, whose first byte is the return trampoline.
 */
struct agent_traps {
	uint64_t chain[4];
	uint64_t xol, xol_size;
	uint32_t nbps, nthreads; /* entries in use are below these */
	struct agent_trap_bp bp[AGENT_TRAP_BPS];
	struct agent_trap_thread thread[AGENT_TRAP_THREADS];
};

/*
 * The VM lock of struct agent_vm_shared, tried @tries times: true when taken.  Bounded, so a
 * holder that never lets go (stopped by the tracer, killed inside a handler) costs a skipped
 * hit, never a hang.
 */
static inline int agent_vm_trylock(uint32_t *lock, unsigned int tries)
{
	for (unsigned int i = 0; i < tries; i++) {
		if (!__atomic_load_n(lock, __ATOMIC_RELAXED) &&
		    !__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
			return 1;
		__builtin_ia32_pause();
	}
	return 0;
}

static inline void agent_vm_unlock(uint32_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* The first of the guard slots of the thread with id @id. */
static inline unsigned int agent_guard_first(uint64_t id)
{
	return (unsigned int)((id * 0x9e3779b97f4a7c15ull) >> 56) & ~(AGENT_GUARD_WAYS - 1u);
}

/* What agent_ping(x) returns once agent_init had @cookie: a mix of both. */
static inline uint64_t agent_ping_value(uint64_t x, uint64_t cookie)
{
	static const uint64_t keys[4] = {0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull,
					 0x94d049bb133111ebull, 0xd6e8feb86659fd93ull};
	uint64_t v = (x ^ cookie) * keys[x & 3];

	return v ^ (v >> 31) ^ 0x5554524143450000ull;
}
#endif

#endif
