#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Per-hit cost of a function probe: utrace -U against the peers that are installed, side by side
# in one run (design.md section 7, docs perf-anchors.md).  Not a test: it never fails on a timing;
# a peer that is missing or does not work here is shown as "n/a".
#
#   bench/probe_cost.sh [-r RUNS] [-s SECONDS] [UTRACE]
#
# UTRACE defaults to build/tools/utrace/utrace.  The target is bench/progs/probe_target.c
# (`probe_target N FUNC`: FUNC called N times, ns per call of the loop alone), with
#   work        mov sink(%rip),%rax first (utrace: boosted; kernel uprobes: single-step)
#   work_fp     push %rbp               (emulated)
#   work_endbr  endbr64                 (emulated)
#   work_nop5   0f 1f 44 00 00          (emulated; kernel uprobes optimize it to a call)
# Per-hit cost = median(ns/call probed) - median(ns/call unprobed, same N), RUNS runs each
# (default 3).  N is chosen per row from a short calibration run so that a run takes about
# SECONDS (default 1.5).  Peers: bpftrace `uprobe:BIN:FUNC { @c = count(); }` (and uretprobe),
# `ltrace -x FUNC -o /dev/null`, gdb `dprintf FUNC,"hit\n"`; the unit is a pipe ping-pong
# between two processes (bench/progs/pingpong.c).  BPFTRACE=, LTRACE=, GDB= (empty) in the
# environment pretend that one is not installed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runs=3
secs=1.5
while getopts "r:s:h" opt; do
	case $opt in
	r) runs=$OPTARG ;;
	s) secs=$OPTARG ;;
	*) sed -n '5,19p' "$0"; exit 0 ;;
	esac
done
shift $((OPTIND - 1))
utrace=${1:-$root/build/tools/utrace/utrace}
bpftrace_bin=${BPFTRACE-$(command -v bpftrace || true)}
ltrace_bin=${LTRACE-$(command -v ltrace || true)}
gdb_bin=${GDB-$(command -v gdb || true)}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
if ! "$cc" -O2 -o "$tmp/probe_target" "$here/progs/probe_target.c" ||
	! "$cc" -O2 -o "$tmp/pingpong" "$here/progs/pingpong.c"; then
	echo "probe_cost: cannot compile the targets with $cc" >&2
	exit 0
fi
bin=$tmp/probe_target
[ -x "$utrace" ] || { echo "note: no utrace at $utrace, its rows are n/a" >&2; utrace=""; }

# The "ns_per_call X" the target printed, from a command's combined output ("" on failure).
ns_of() {
	timeout 300 "$@" 2>&1 </dev/null | awk '/^ns_per_call /{v=$2} END{if (v != "") print v}'
}

median() { # median of the arguments
	printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{if (NR==0) exit; m=int((NR+1)/2);
		print (NR%2) ? v[m] : (v[m]+v[m+1])/2}'
}

# The command line of one tool on FUNC with N calls, as words on stdout, one per line.
cmd_of() { # TOOL FUNC N
	local tool=$1 f=$2 n=$3
	case $tool in
	plain) printf '%s\n' "$bin" "$n" "$f" ;;
	utrace) printf '%s\n' "$utrace" -o /dev/null -U "$f" -- "$bin" "$n" "$f" ;;
	utrace_ret) printf '%s\n' "$utrace" -o /dev/null -U "$f%return" -- "$bin" "$n" "$f" ;;
	utrace_both) printf '%s\n' "$utrace" -o /dev/null -U "$f" -U "$f%return" -- "$bin" "$n" "$f" ;;
	bpftrace) printf '%s\n' "$bpftrace_bin" -e "uprobe:$bin:$f { @c = count(); }" \
		-c "$bin $n $f" ;;
	bpftrace_ret) printf '%s\n' "$bpftrace_bin" -e "uretprobe:$bin:$f { @c = count(); }" \
		-c "$bin $n $f" ;;
	ltrace) printf '%s\n' "$ltrace_bin" -x "$f" -o /dev/null "$bin" "$n" "$f" ;;
	gdb) printf '%s\n' "$gdb_bin" -batch -nx -ex "dprintf $f,\"hit\\n\"" -ex run \
		--args "$bin" "$n" "$f" ;;
	esac
}

run_tool() { # TOOL FUNC N -> ns/call
	local -a argv
	mapfile -t argv < <(cmd_of "$@")
	ns_of "${argv[@]}"
}

# "NS N": per-hit ns of TOOL on FUNC (or n/a) and the N used.
per_hit() { # TOOL FUNC
	local tool=$1 f=$2 cal n i v base probed
	local -a vals=() bases=()
	cal=$(run_tool "$tool" "$f" 2000)
	[ -n "$cal" ] || { echo n/a 0; return; }
	n=$(awk -v c="$cal" -v s="$secs" 'BEGIN{n=int(s*1e9/(c>1?c:1)); if (n<2000) n=2000;
		if (n>2000000) n=2000000; print n}')
	for ((i = 0; i < runs; i++)); do
		v=$(run_tool "$tool" "$f" "$n")
		[ -n "$v" ] && vals+=("$v")
		v=$(run_tool plain "$f" "$n")
		[ -n "$v" ] && bases+=("$v")
	done
	[ ${#vals[@]} -gt 0 ] && [ ${#bases[@]} -gt 0 ] || { echo n/a "$n"; return; }
	probed=$(median "${vals[@]}")
	base=$(median "${bases[@]}")
	awk -v p="$probed" -v b="$base" -v n="$n" 'BEGIN{printf "%.0f %d\n", p-b, n}'
}

# Does a peer work here at all (10 calls, right output)?
works() { # TOOL
	local out
	case $1 in
	bpftrace) out=$(timeout 60 "$bpftrace_bin" -e "uprobe:$bin:work { @c = count(); }" \
		-c "$bin 10 work" 2>&1) && grep -q '^@c: 10$' <<<"$out" ;;
	ltrace) [ -n "$(ns_of "$ltrace_bin" -x work -o /dev/null "$bin" 10 work)" ] ;;
	gdb) out=$(timeout 60 "$gdb_bin" -batch -nx -ex 'dprintf work,"hit\n"' -ex run \
		--args "$bin" 10 work 2>&1) && [ "$(grep -c '^hit$' <<<"$out")" = 10 ] ;;
	esac
}
for peer in bpftrace ltrace gdb; do
	var=${peer}_bin
	if [ -z "${!var}" ]; then
		echo "note: $peer not installed, its rows are n/a" >&2
	elif ! works "$peer"; then
		echo "note: $peer does not work here, its rows are n/a" >&2
		printf -v "$var" '%s' ""
	fi
done

tier_of() { # FUNC -> emulated/boosted/stepped/refused from utrace -v
	[ -n "$utrace" ] || { echo "?"; return; }
	"$utrace" -v -o /dev/null -U "$1" -- "$bin" 1 "$1" 2>&1 >/dev/null |
		awk -F': ' '/^utrace: probe /{print $3; exit}'
}

pp=$(for ((i = 0; i < runs; i++)); do "$tmp/pingpong" 50000 | awk '{print $2}'; done)
pingpong=$(median $pp)

funcs=(work work_fp work_endbr work_nop5)
declare -A cost n_of tier
for f in "${funcs[@]}"; do
	tier[$f]=$(tier_of "$f")
	for tool in utrace utrace_ret utrace_both bpftrace bpftrace_ret ltrace gdb; do
		case $tool in
		utrace*) [ -n "$utrace" ] || { cost[$tool,$f]=n/a; continue; } ;;
		bpftrace*) [ -n "$bpftrace_bin" ] || { cost[$tool,$f]=n/a; continue; } ;;
		ltrace) [ -n "$ltrace_bin" ] || { cost[$tool,$f]=n/a; continue; } ;;
		gdb) [ -n "$gdb_bin" ] || { cost[$tool,$f]=n/a; continue; } ;;
		esac
		# the slow peers on two functions only: their cost does not depend on the instruction
		if [[ $tool == ltrace || $tool == gdb ]] && [[ $f != work && $f != work_fp ]]; then
			cost[$tool,$f]=-
			continue
		fi
		if [[ $tool == *_ret || $tool == *_both ]] && [[ $f == work_endbr ]]; then
			cost[$tool,$f]=-
			continue
		fi
		read -r "cost[$tool,$f]" "n_of[$tool,$f]" < <(per_hit "$tool" "$f")
	done
done

ratio() { # A B -> A/B with 2 decimals, or n/a
	awk -v a="$1" -v b="$2" 'BEGIN{if (a+0 > 0 && b+0 > 0) printf "%.2f", a/b; else print "n/a"}'
}

echo "probe_cost: $(uname -r), $(nproc) CPUs, $runs runs per row (median), ~${secs}s per run"
echo "pipe ping-pong (2 processes, 1 byte each way): ${pingpong} ns per round trip"
echo
printf '%-11s %-9s %12s %12s %12s %12s %12s %12s %12s\n' function "utrace" "utrace" \
	"utrace" "utrace" "bpftrace" "bpftrace" "ltrace -x" "gdb"
printf '%-11s %-9s %12s %12s %12s %12s %12s %12s %12s\n' "" tier "entry" "%return" \
	"entry+ret" "" "uretprobe" "" "dprintf"
printf '%s\n' "$(printf '%.0s-' {1..113})"
for f in "${funcs[@]}"; do
	printf '%-11s %-9s %12s %12s %12s %12s %12s %12s %12s\n' "$f" "${tier[$f]}" \
		"${cost[utrace,$f]}" "${cost[utrace_ret,$f]}" "${cost[utrace_both,$f]}" \
		"${cost[bpftrace,$f]}" "${cost[bpftrace_ret,$f]}" "${cost[ltrace,$f]}" \
		"${cost[gdb,$f]}"
done
echo "(ns per hit = probed - unprobed ns/call; '-' not measured; N per row:" \
	"utrace work ${n_of[utrace,work]:-?}, ltrace ${n_of[ltrace,work]:-?}, gdb ${n_of[gdb,work]:-?})"
echo
printf '%-11s %16s %16s %16s %16s %16s\n' function "utrace/pingpong" "(goal <= 1.3)" \
	"ltrace/utrace" "gdb/utrace" "bpftrace/utrace"
printf '%-11s %16s %16s %16s %16s %16s\n' "" "" "" "(goal >= 5)" "(goal >= 10)" ""
printf '%s\n' "$(printf '%.0s-' {1..96})"
for f in "${funcs[@]}"; do
	u=${cost[utrace,$f]}
	r=$(ratio "$u" "$pingpong")
	goal=$(awk -v r="$r" -v t="${tier[$f]}" 'BEGIN{if (r=="n/a") print "n/a";
		else if (t!="emulated" && t!="boosted") print "(" t ")";
		else print (r+0 <= 1.3) ? "met" : "NOT met"}')
	printf '%-11s %16s %16s %16s %16s %16s\n' "$f" "$r" "$goal" \
		"$(ratio "${cost[ltrace,$f]}" "$u")" "$(ratio "${cost[gdb,$f]}" "$u")" \
		"$(ratio "${cost[bpftrace,$f]}" "$u")"
done
printf '%-11s %16s %16s %16s %16s %16s\n' "work %ret" \
	"$(ratio "${cost[utrace_ret,work]}" "$pingpong")" "" "" "" \
	"$(ratio "${cost[bpftrace_ret,work]}" "${cost[utrace_ret,work]}")"
exit 0
