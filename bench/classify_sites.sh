#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Which uprobes tier would a probe at the entry of every function on this system get?
# Builds bench/classify.c against the build's static libraries (src/sym, src/arch/x86_64,
# src/util) and runs it over /usr/bin and /usr/lib/x86_64-linux-gnu (or the directories given).
# Not a test: it prints the shares (emulated, boosted, stepped, refused) and the top reasons,
# then the share of entries a jump patch (the in-process tier) may take and its refusals; the
# goals are >= 95% emulated or boosted, and >= 95% patchable.
#
#   bench/classify_sites.sh [-b BUILDDIR] [DIR...]
#
# BUILDDIR defaults to build (relative to the repository).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=$root/build
while getopts "b:h" opt; do
	case $opt in
	b) build=$(cd "$OPTARG" && pwd) ;;
	*) sed -n '3,14p' "$0"; exit 0 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- /usr/bin /usr/lib/x86_64-linux-gnu

libs=("$build/src/sym/libusym.a" "$build/src/arch/x86_64/libux86.a" "$build/src/util/libuutil.a")
for l in "${libs[@]}"; do
	[ -f "$l" ] || { echo "classify_sites: $l missing (build first: ninja -C $build)" >&2; exit 0; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! ${CC:-cc} -O2 -std=gnu11 -I "$root/include" -I "$root/src" -o "$tmp/classify" \
		"$here/classify.c" "${libs[@]}" -lelf -ldw -lZydis -lZycore; then
	echo "classify_sites: cannot build classify.c" >&2
	exit 0
fi
echo "classify_sites: $*"
start=$(date +%s.%N)
"$tmp/classify" "$@"
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "\n(%.1f s)\n", e-s}'
exit 0
