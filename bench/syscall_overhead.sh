#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Syscall-tracing overhead, utrace against strace, side by side in one run (design.md section 7).
# Not a test: it never fails on a timing; a peer that is not installed is shown as "n/a".
#
#   bench/syscall_overhead.sh [-n ITERATIONS] [-r RUNS] [UTRACE]
#
# UTRACE defaults to build/tools/utrace/utrace (relative to the repository).  The workload is
# bench/progs/sysheavy.c (4 syscalls per iteration), compiled here with cc -O2.  Modes: untraced;
# -e trace=openat (1 call in 4 traced) with utrace, strace and strace --seccomp-bpf; full tracing
# with utrace and strace.  All tracers run with -f -o /dev/null.  Times are wall-clock means from
# hyperfine when it is installed, else from a loop over `date +%s%N`.  STRACE=/path or
# HYPERFINE=/path choose those; set to empty, they count as not installed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
iters=20000
runs=5
while getopts "n:r:h" opt; do
	case $opt in
	n) iters=$OPTARG ;;
	r) runs=$OPTARG ;;
	*) sed -n '5,12p' "$0"; exit 0 ;;
	esac
done
shift $((OPTIND - 1))
utrace=${1:-$root/build/tools/utrace/utrace}
# STRACE= or HYPERFINE= (empty) in the environment pretend that one is not installed
strace_bin=${STRACE-$(command -v strace || true)}
hyperfine_bin=${HYPERFINE-$(command -v hyperfine || true)}
timer=$([ -n "$hyperfine_bin" ] && echo hyperfine || echo "date loop")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
if ! "$cc" -O2 -o "$tmp/sysheavy" "$here/progs/sysheavy.c"; then
	echo "syscall_overhead: cannot compile sysheavy.c with $cc" >&2
	exit 0
fi
prog="$tmp/sysheavy"

[ -x "$utrace" ] || { echo "note: no utrace at $utrace, its rows are n/a" >&2; utrace=""; }
[ -n "$strace_bin" ] || echo "note: strace not installed, its rows are n/a" >&2
if [ -n "$strace_bin" ] && ! "$strace_bin" -f --seccomp-bpf -e trace=openat -o /dev/null \
		"$prog" 10 >/dev/null 2>&1; then
	strace_seccomp=""
	echo "note: strace --seccomp-bpf does not work here, its row is n/a" >&2
else
	strace_seccomp=$strace_bin
fi

names=()
cmds=()
add() { # add NAME TOOL-OR-EMPTY ARGS...
	local name=$1 tool=$2
	shift 2
	names+=("$name")
	if [ -z "$tool" ] && [ "$name" != untraced ]; then
		cmds+=("")
	else
		cmds+=("$tool${tool:+ }$*")
	fi
}
add untraced "" "$prog $iters"
add "utrace -e trace=openat" "$utrace" "-f -e trace=openat -o /dev/null $prog $iters"
add "strace -e trace=openat" "$strace_bin" "-f -e trace=openat -o /dev/null $prog $iters"
add "strace --seccomp-bpf -e trace=openat" "$strace_seccomp" \
	"-f --seccomp-bpf -e trace=openat -o /dev/null $prog $iters"
add "utrace (all syscalls)" "$utrace" "-f -o /dev/null $prog $iters"
add "strace (all syscalls)" "$strace_bin" "-f -o /dev/null $prog $iters"

# mean wall time in seconds of one command, or "n/a"
measure() {
	local cmd=$1
	if [ -z "$cmd" ]; then
		echo n/a
		return
	fi
	if ! $cmd >/dev/null 2>&1; then
		echo "note: failed: $cmd" >&2
		echo n/a
		return
	fi
	if [ -n "$hyperfine_bin" ]; then
		"$hyperfine_bin" -N --style none --warmup 1 --runs "$runs" \
			--export-csv "$tmp/h.csv" "$cmd" >/dev/null 2>&1 || { echo n/a; return; }
		awk -F, 'NR == 2 { printf "%.4f\n", $2 }' "$tmp/h.csv"
	else
		local i t0 t1 total=0
		for ((i = 0; i < runs; i++)); do
			t0=$(date +%s%N)
			$cmd >/dev/null 2>&1
			t1=$(date +%s%N)
			total=$((total + t1 - t0))
		done
		awk -v t="$total" -v r="$runs" 'BEGIN { printf "%.4f\n", t / r / 1e9 }'
	fi
}

ratio() { # ratio A B -> A/B or n/a
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2fx\n", a / b }'
}

echo "syscall tracing overhead: $iters iterations x 4 syscalls, mean of $runs runs" \
	"($timer), $(nproc) CPUs, $(uname -r)"
echo "utrace: ${utrace:-n/a}; strace: ${strace_bin:-n/a} $(
	[ -n "$strace_bin" ] && "$strace_bin" -V | head -1 | awk '{ print $NF }')"
times=()
for i in "${!names[@]}"; do
	times+=("$(measure "${cmds[$i]}")")
done
base=${times[0]}
echo
printf "%-38s %10s %12s %10s\n" "mode" "time (s)" "vs untraced" "ns/call"
printf "%-38s %10s %12s %10s\n" "----" "--------" "-----------" "-------"
for i in "${!names[@]}"; do
	ns=$(awk -v t="${times[$i]}" -v n="$iters" 'BEGIN {
		if (t == "n/a") print "n/a"; else printf "%.0f\n", t * 1e9 / (4 * n) }')
	printf "%-38s %10s %12s %10s\n" "${names[$i]}" "${times[$i]}" \
		"$(ratio "${times[$i]}" "$base")" "$ns"
done
echo
echo "utrace vs strace, same mode (below 1.00x: utrace is faster)"
printf "  %-50s %s\n" "trace=openat: utrace / strace" "$(ratio "${times[1]}" "${times[2]}")"
printf "  %-50s %s\n" "trace=openat: utrace / strace --seccomp-bpf" \
	"$(ratio "${times[1]}" "${times[3]}")"
printf "  %-50s %s\n" "all syscalls: utrace / strace" "$(ratio "${times[4]}" "${times[5]}")"
exit 0
