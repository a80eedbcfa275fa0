#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Per-hit cost of ustap handlers, in-process (the default tier) and on the trap tier
# (--tier=trap), against bpftrace's on the same function in the same run, plus the ustap VM's
# bytecode instructions per second.  Not a test: it never fails on a
# timing; a peer that is missing or does not work here is shown as "n/a".
#
#   bench/ustap_count.sh [-r RUNS] [-n CALLS] [USTAP]
#
# USTAP defaults to build/tools/ustap/ustap.  The target is bench/progs/probe_target.c
# (`probe_target N work`: work() called N times, ns per call of the loop alone); the scripts are
#   ustap     probe process("BIN").function("work") { n++ } probe end { printf("%d\n", n) }
#   bpftrace  uprobe:BIN:work { @c = count(); }
# with, in-process, also { @c[tid()] <<< int_arg(1) } (checked: @count is N) and
# { printf("%d\n", int_arg(1)) } (checked: N lines), and the trap tier (--tier=trap); a run
# counts only when the count is N.  Then { n++ } and bpftrace's count() again on each of the
# four functions of probe_target.c (push %rbp, rip-relative mov, endbr64, 5-byte nop), with
# the ratio bpftrace / in-process.  Per-hit cost = median(ns/call probed) -
# median(ns/call unprobed), RUNS runs each (default 3), N calls (default 200000).  The unit is
# the pipe ping-pong of bench/probe_cost.sh (bench/progs/pingpong.c).  VM speed: a begin probe
# runs `for (i = 0; i < M; i++) s += i` (M = 10^7) and the loop's instructions per iteration
# are counted in ustap -p3's listing; (wall time - wall time with M = 0) / (M * that) is the
# cost of one instruction.  BPFTRACE= (empty) in the environment pretends it is not installed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runs=3
calls=200000
while getopts "r:n:h" opt; do
	case $opt in
	r) runs=$OPTARG ;;
	n) calls=$OPTARG ;;
	*) sed -n '5,25p' "$0"; exit 0 ;;
	esac
done
shift $((OPTIND - 1))
ustap=${1:-$root/build/tools/ustap/ustap}
bpftrace_bin=${BPFTRACE-$(command -v bpftrace || true)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
if ! "$cc" -O2 -o "$tmp/probe_target" "$here/progs/probe_target.c" ||
	! "$cc" -O2 -o "$tmp/pingpong" "$here/progs/pingpong.c"; then
	echo "ustap_count: cannot compile the targets with $cc" >&2
	exit 0
fi
bin=$tmp/probe_target
[ -x "$ustap" ] || { echo "note: no ustap at $ustap, its rows are n/a" >&2; ustap=""; }

median() { # median of the arguments
	printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{if (NR==0) exit; m=int((NR+1)/2);
		print (NR%2) ? v[m] : (v[m]+v[m+1])/2}'
}

# ns/call of one run of TOOL with N calls, "" if the run failed or counted wrong.
fn=work
run_tool() { # TOOL N (on function $fn)
	local n=$2 out cnt
	case $1 in
	plain)
		timeout 300 "$bin" "$n" "$fn" </dev/null 2>&1 | awk '/^ns_per_call /{print $2}' ;;
	ustap | ustap_trap)
		local tier=auto
		[ "$1" = ustap_trap ] && tier=trap
		out=$(timeout 300 "$ustap" --tier=$tier -o "$tmp/ustap.out" -e "global n probe process(\"$bin\").function(\"$fn\") { n++ } probe end { printf(\"%d\\n\", n) }" \
			-c "$bin $n $fn" </dev/null 2>&1) || return
		cnt=$(cat "$tmp/ustap.out" 2>/dev/null)
		[ "$cnt" = "$n" ] || return
		awk '/^ns_per_call /{print $2}' <<<"$out" ;;
	ustap_agg)
		out=$(timeout 300 "$ustap" -o "$tmp/ustap.out" -e "global c probe process(\"$bin\").function(\"$fn\") { c[tid()] <<< int_arg(1) } probe end { foreach (t in c) printf(\"%d\\n\", @count(c[t])) }" \
			-c "$bin $n $fn" </dev/null 2>&1) || return
		cnt=$(cat "$tmp/ustap.out" 2>/dev/null)
		[ "$cnt" = "$n" ] || return
		awk '/^ns_per_call /{print $2}' <<<"$out" ;;
	ustap_printf)
		out=$(timeout 300 "$ustap" -o "$tmp/ustap.out" -e "probe process(\"$bin\").function(\"$fn\") { printf(\"%d\\n\", int_arg(1)) }" \
			-c "$bin $n $fn" </dev/null 2>&1) || return
		cnt=$(wc -l <"$tmp/ustap.out" 2>/dev/null)
		[ "$cnt" = "$n" ] || return
		awk '/^ns_per_call /{print $2}' <<<"$out" ;;
	bpftrace)
		out=$(timeout 300 "$bpftrace_bin" -e "uprobe:$bin:$fn { @c = count(); }" \
			-c "$bin $n $fn" </dev/null 2>&1) || return
		grep -q "^@c: $n\$" <<<"$out" || return
		awk '/^ns_per_call /{print $2}' <<<"$out" ;;
	esac
}

per_hit() { # TOOL -> ns per hit, or n/a
	local i v
	local -a vals=() bases=()
	for ((i = 0; i < runs; i++)); do
		v=$(run_tool "$1" "$calls")
		[ -n "$v" ] && vals+=("$v")
		v=$(run_tool plain "$calls")
		[ -n "$v" ] && bases+=("$v")
	done
	[ ${#vals[@]} -gt 0 ] && [ ${#bases[@]} -gt 0 ] || { echo n/a; return; }
	awk -v p="$(median "${vals[@]}")" -v b="$(median "${bases[@]}")" 'BEGIN{printf "%.0f\n", p-b}'
}

ratio() { # A B -> A/B with 2 decimals, or n/a
	awk -v a="$1" -v b="$2" 'BEGIN{if (a+0 > 0 && b+0 > 0) printf "%.2f", a/b; else print "n/a"}'
}

if [ -n "$bpftrace_bin" ] && [ -z "$(run_tool bpftrace 10)" ]; then
	echo "note: bpftrace does not work here, its column is n/a" >&2
	bpftrace_bin=""
elif [ -z "$bpftrace_bin" ]; then
	echo "note: bpftrace not installed, its column is n/a" >&2
fi

pp=$(for ((i = 0; i < runs; i++)); do "$tmp/pingpong" 50000 | awk '{print $2}'; done)
pingpong=$(median $pp)
u=n/a
ua=n/a
up=n/a
ut=n/a
b=n/a
if [ -n "$ustap" ]; then
	u=$(per_hit ustap)
	ua=$(per_hit ustap_agg)
	up=$(per_hit ustap_printf)
	ut=$(per_hit ustap_trap)
fi
[ -n "$bpftrace_bin" ] && b=$(per_hit bpftrace)

# VM: instructions per loop iteration from the -p3 listing (from a backward JMP's target to
# the JMP), then the loop's wall time beyond an empty session.
vm_loop() { # M
	printf 'global s probe begin { for (i = 0; i < %d; i++) s += i; printf("%%d\\n", s); exit() }' "$1"
}
wall_ns() { # M -> ns of one whole session, "" on failure
	local t0 t1
	t0=$(date +%s%N)
	timeout 120 "$ustap" -D MAXACTION=1000000000 -o /dev/null -e "$(vm_loop "$1")" \
		</dev/null >/dev/null 2>&1 || return
	t1=$(date +%s%N)
	echo $((t1 - t0))
}
vm_insns=n/a
vm_ns=n/a
vm_rate=n/a
if [ -n "$ustap" ]; then
	per_iter=$("$ustap" -p3 -e "$(vm_loop 10)" 2>/dev/null |
		awk '$2 == "JMP" && $4 + 0 < $1 + 0 {print $1 - $4 + 1; exit}')
	m=10000000
	full=()
	empty=()
	for ((i = 0; i < runs; i++)); do
		v=$(wall_ns "$m")
		[ -n "$v" ] && full+=("$v")
		v=$(wall_ns 0)
		[ -n "$v" ] && empty+=("$v")
	done
	if [ -n "$per_iter" ] && [ ${#full[@]} -gt 0 ] && [ ${#empty[@]} -gt 0 ]; then
		vm_insns=$per_iter
		read -r vm_ns vm_rate < <(awk -v f="$(median "${full[@]}")" -v e="$(median "${empty[@]}")" \
			-v m="$m" -v k="$per_iter" 'BEGIN{d=f-e; if (d<=0) {print "n/a n/a"; exit}
			printf "%.2f %.0f\n", d/(m*k), m*k/(d/1e9)}')
	fi
fi

echo "ustap_count: $(uname -r), $(nproc) CPUs, $runs runs per row (median), $calls calls of work()"
echo "pipe ping-pong (2 processes, 1 byte each way): ${pingpong} ns per round trip"
echo
printf '%-44s %12s %12s\n' "handler on work()" "ns/hit" "/pingpong"
printf '%s\n' "$(printf '%.0s-' {1..70})"
printf '%-44s %12s %12s\n' "ustap in-process { n++ }" "$u" "$(ratio "$u" "$pingpong")"
printf '%-44s %12s %12s\n' "ustap in-process { c[tid()] <<< int_arg(1) }" "$ua" "$(ratio "$ua" "$pingpong")"
printf '%-44s %12s %12s\n' "ustap in-process { printf(...) }" "$up" "$(ratio "$up" "$pingpong")"
printf '%-44s %12s %12s\n' "ustap --tier=trap { n++ }" "$ut" "$(ratio "$ut" "$pingpong")"
printf '%-44s %12s %12s\n' "bpftrace  { @c = count(); }" "$b" "$(ratio "$b" "$pingpong")"
echo "bpftrace / ustap in-process { n++ }: $(ratio "$b" "$u")x;" \
	"trap tier / in-process: $(ratio "$ut" "$u")x"
echo
echo "{ n++ } per first instruction (the issue's four): ns/hit"
printf '%-12s %-26s %10s %10s %10s\n' function "first instruction" in-process bpftrace ratio
for f in work_fp:push_%rbp work:rip-relative_mov work_endbr:endbr64 work_nop5:5-byte_nop; do
	fn=${f%%:*}
	ui=n/a
	bi=n/a
	[ -n "$ustap" ] && ui=$(per_hit ustap)
	[ -n "$bpftrace_bin" ] && bi=$(per_hit bpftrace)
	printf '%-12s %-26s %10s %10s %9sx\n' "$fn" "${f#*:}" "$ui" "$bi" "$(ratio "$bi" "$ui")"
done
fn=work
echo
echo "ustap VM: for-loop of 10^7 iterations, $vm_insns bytecode instructions each:" \
	"$vm_ns ns per instruction, $vm_rate instructions/s"
exit 0
