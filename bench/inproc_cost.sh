#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Per-hit cost of an in-process counting probe (a jump-patched site whose hits the agent counts
# in shared memory, src/uprobe/inproc.c) against the trap tier (utrace -U) and bpftrace
# `count()` if installed, on the functions of bench/progs/probe_target.c, with ratios.  Not a
# test: it never fails on a timing; a peer that is missing or fails shows "n/a".
#
#   bench/inproc_cost.sh [-r RUNS] [-b BUILDDIR]
#
# Per-hit cost = median(ns/call probed) - median(ns/call unprobed), RUNS runs each (default 5),
# N calls per run: 5,000,000 in-process and unprobed, 20,000 on the trap tier and bpftrace.
# The in-process driver (bench/inproc_cost.c, built here against the build's static libraries)
# also checks that the shared counter read exactly N; a wrong count is reported as "miscount".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runs=5
build=$root/build
while getopts "r:b:h" opt; do
	case $opt in
	r) runs=$OPTARG ;;
	b) build=$(cd "$OPTARG" && pwd) ;;
	*) sed -n '3,14p' "$0"; exit 0 ;;
	esac
done
utrace=$build/tools/utrace/utrace
bpftrace_bin=${BPFTRACE-$(command -v bpftrace || true)}
n_fast=5000000
n_slow=20000

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
b=$build/src
libs=("$b/uprobe/libuuprobe.a" "$b/inject/libuinject.a" "$b/agent/libuagent.a"
	"$b/engine/libutrace.a" "$b/sym/libusym.a" "$b/arch/x86_64/libux86.a" "$b/os/libuos.a"
	"$b/util/libuutil.a")
for l in "${libs[@]}"; do
	[ -f "$l" ] || { echo "inproc_cost: $l missing (build first: ninja -C $build)" >&2; exit 0; }
done
if ! "$cc" -O2 -o "$tmp/probe_target" "$here/progs/probe_target.c" ||
	! "$cc" -O2 -std=gnu11 -I "$root/include" -I "$root/src" -o "$tmp/inproc" \
		"$here/inproc_cost.c" "${libs[@]}" -lelf -ldw -lZydis -lZycore -lseccomp; then
	echo "inproc_cost: cannot build the target or the driver" >&2
	exit 0
fi
bin=$tmp/probe_target
[ -n "$bpftrace_bin" ] || echo "note: bpftrace not installed (make bench-deps), its column is n/a" >&2

ns_of() { timeout 300 "$@" 2>&1 </dev/null | awk '/^ns_per_call /{v=$2} END{if (v != "") print v}'; }
median() {
	printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{if (NR==0) exit; m=int((NR+1)/2);
		print (NR%2) ? v[m] : (v[m]+v[m+1])/2}'
}

run() { # TOOL FUNC -> ns/call, or nothing
	local f=$2 out
	case $1 in
	plain) ns_of "$bin" "$n_fast" "$f" ;;
	plain_slow) ns_of "$bin" "$n_slow" "$f" ;;
	inproc)
		out=$(timeout 300 "$tmp/inproc" "$bin" "$n_fast" "$f" 2>&1 </dev/null)
		if [ $? -ne 0 ]; then
			grep -q '^tier patched' <<<"$out" && echo miscount
			return
		fi
		awk '/^ns_per_call /{print $2}' <<<"$out" ;;
	trap) ns_of "$utrace" -o /dev/null -U "$f" -- "$bin" "$n_slow" "$f" ;;
	bpftrace) [ -n "$bpftrace_bin" ] &&
		ns_of "$bpftrace_bin" -e "uprobe:$bin:$f { @c = count(); }" -c "$bin $n_slow $f" ;;
	esac
}

per_hit() { # TOOL BASE FUNC -> ns per hit or n/a
	local tool=$1 base=$2 f=$3 i v
	local -a vals=() bases=()
	for ((i = 0; i < runs; i++)); do
		v=$(run "$tool" "$f")
		[ "$v" = miscount ] && { echo miscount; return; }
		[ -n "$v" ] && vals+=("$v")
		v=$(run "$base" "$f")
		[ -n "$v" ] && bases+=("$v")
	done
	[ ${#vals[@]} -gt 0 ] && [ ${#bases[@]} -gt 0 ] || { echo n/a; return; }
	awk -v p="$(median "${vals[@]}")" -v b="$(median "${bases[@]}")" \
		'BEGIN{d=p-b; printf "%.1f\n", (d > 0 ? d : 0)}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (a+0 > 0 && b+0 > 0) printf "%.0fx", b/a; else print "n/a"}'; }

echo "ns per hit, median of $runs runs (in-process: $n_fast calls; trap, bpftrace: $n_slow)"
printf '%-11s %10s %10s %10s %10s %10s\n' function in-process trap bpftrace trap/inp bpf/inp
for f in work_fp work work_endbr work_nop5; do
	tier=$(timeout 60 "$tmp/inproc" "$bin" 10 "$f" 2>&1 | awk '/^tier /{sub(/^tier /, ""); print}')
	inp=$(per_hit inproc plain "$f")
	trp=n/a
	[ -x "$utrace" ] && trp=$(per_hit trap plain_slow "$f")
	bpf=n/a
	[ -n "$bpftrace_bin" ] && bpf=$(per_hit bpftrace plain_slow "$f")
	printf '%-11s %10s %10s %10s %10s %10s   %s\n' "$f" "$inp" "$trp" "$bpf" \
		"$(ratio "$inp" "$trp")" "$(ratio "$inp" "$bpf")" "$tier"
done
