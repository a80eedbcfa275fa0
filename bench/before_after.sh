#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The same benchmarks on two revisions, in one run, so that a change that should cost nothing
# (a refactor) can show it.  Not a test: it never fails on a timing.
#
#   bench/before_after.sh [-r RUNS] OLD [NEW]
#
# OLD and NEW are any git revisions (NEW defaults to HEAD); each is checked out into a
# temporary worktree and built there (release build), then, for each, alternating so that a
# change in the machine's load falls on both:
#   start-up  ustap -e 'probe begin { exit() }' (hyperfine, or a date loop);
#   per hit   ustap { n++ } on the trap tier, and utrace -U, through bench/probe_cost.sh's
#             target (ns per call probed minus unprobed);
#   syscalls  bench/syscall_overhead.sh (-e trace=openat and full tracing, ns per iteration).
# Numbers on this kind of machine move by 10-20% from run to run: only a difference that holds
# across RUNS (default 2) rounds means anything.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
runs=2
while getopts "r:h" opt; do
	case $opt in
	r) runs=$OPTARG ;;
	*) sed -n '4,17p' "$0"; exit 0 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '4,17p' "$0"; exit 2; }
old=$1
new=${2:-HEAD}
tmp=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tmp/old" 2>/dev/null;
      git -C "$root" worktree remove --force "$tmp/new" 2>/dev/null; rm -rf "$tmp"' EXIT

build() { # REV DIR
	git -C "$root" worktree add --detach -q "$2" "$1" || return 1
	meson setup --buildtype=release "$2/build" "$2" >/dev/null && ninja -C "$2/build" >/dev/null
}
build "$old" "$tmp/old" || { echo "cannot build $old" >&2; exit 1; }
build "$new" "$tmp/new" || { echo "cannot build $new" >&2; exit 1; }

target=$tmp/probe_target
cc -O2 -o "$target" "$root/bench/progs/probe_target.c" || exit 1

# ns per call of `probe_target N work`, alone, under ustap (-c) or under utrace -U
calls=200000
ns_of() { sed -n 's/^ns_per_call //p' | tail -n 1; }
untraced() { "$target" $calls work | ns_of; }
under_ustap() { # USTAP (the trap tier; a revision without --tier has no other)
	local s="global n; probe process(\"$target\").function(\"work\") { n++ }" out
	out=$("$1" --tier=trap -e "$s" -c "$target $calls work" 2>/dev/null | ns_of)
	[ -n "$out" ] || out=$("$1" -e "$s" -c "$target $calls work" 2>/dev/null | ns_of)
	echo "${out:-n/a}"
}
under_utrace() { # UTRACE
	local out
	out=$("$1" -o /dev/null -U work -- "$target" $calls work 2>/dev/null | ns_of)
	echo "${out:-n/a}"
}

startup() { # USTAP
	if command -v hyperfine >/dev/null; then
		hyperfine -N -w 3 -r 20 --export-json "$tmp/h.json" \
			"$1 -e 'probe begin { exit() }'" >/dev/null 2>&1 &&
			python3 -c 'import json,sys; print("%.1f ms" % (json.load(open(sys.argv[1]))["results"][0]["mean"]*1e3))' "$tmp/h.json"
	else
		local t0 t1 i
		t0=$(date +%s%N)
		for i in $(seq 20); do "$1" -e 'probe begin { exit() }' >/dev/null; done
		t1=$(date +%s%N)
		echo "$(((t1 - t0) / 20000000)) ms"
	fi
}

base=$(untraced)
printf '%-34s %14s %14s\n' "" "$old" "$new"
for r in $(seq "$runs"); do
	for side in old new; do
		d=$tmp/$side/build/tools
		res[0]=$(startup "$d/ustap/ustap")
		res[1]=$(under_ustap "$d/ustap/ustap")
		res[2]=$(under_utrace "$d/utrace/utrace")
		eval "${side}_r=(\"\${res[@]}\")"
	done
	printf '%-34s %14s %14s\n' "round $r: ustap start-up" "${old_r[0]}" "${new_r[0]}"
	printf '%-34s %14s %14s\n' "  ustap {n++} trap, ns/call" "${old_r[1]}" "${new_r[1]}"
	printf '%-34s %14s %14s\n' "  utrace -U work, ns/call" "${old_r[2]}" "${new_r[2]}"
	printf '%-34s %14s\n' "  untraced, ns/call" "$base"
done
for side in old new; do
	echo "== syscall overhead, $side ($([ $side = old ] && echo "$old" || echo "$new"))"
	bash "$here/syscall_overhead.sh" -r "$runs" "$tmp/$side/build/tools/utrace/utrace" 2>&1 |
		grep -E 'utrace|untraced'
done
