#!/bin/sh
# Runs the pass 1 fuzzer for SECONDS on a scratch copy of the golden scripts (libFuzzer adds
# what it finds to its first corpus directory, which must not be the source tree).
# usage: run_fuzz.sh FUZZER GOLDEN_DIR SECONDS
set -eu
fuzzer=$1
golden=$2
secs=${3:-20}
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$golden"/*.stp "$corpus"/
"$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 "$corpus"
