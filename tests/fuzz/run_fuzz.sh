#!/bin/sh
# Runs a libFuzzer target for SECONDS on a scratch corpus: copies of the SEED files and of the
# files in SEED directories (libFuzzer adds what it finds to its first corpus directory, which
# must not be the source tree).  libFuzzer runs every corpus input once before it mutates, so
# the regression inputs (tests/fuzz/regress/NAME/, passed as a SEED) are replayed each time.
#
# usage: run_fuzz.sh FUZZER SECONDS SEED...
#   FUZZ_CORPUS=DIR  keep the corpus in DIR (created if missing) instead of a scratch one, so a
#                    long run can be stopped and resumed, or minimised afterwards;
#   FUZZ_ARGS=...    more libFuzzer flags, e.g. "-jobs=2 -workers=2" for two processes.
# A crash, leak, timeout or failed check is saved as ./NAME-crash-<sha1> (or -leak-, -timeout-,
# -oom-) and the script fails; replay it with "FUZZER FILE".  See tests/fuzz/README.
set -eu
fuzzer=$1
secs=$2
shift 2
if [ -n "${FUZZ_CORPUS:-}" ]; then
	corpus=$FUZZ_CORPUS
	mkdir -p "$corpus"
else
	corpus=$(mktemp -d)
	trap 'rm -rf "$corpus"' EXIT
fi
n=0
for seed in "$@"; do
	if [ -d "$seed" ]; then
		set -- "$seed"/*
	else
		set -- "$seed"
	fi
	for f in "$@"; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		cp "$f" "$corpus/seed$n-${f##*/}"
	done
done
# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
exec "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="./${fuzzer##*/}-" ${FUZZ_ARGS:-} "$corpus"
