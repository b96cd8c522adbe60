#!/bin/sh
# Runs the libFuzzer harnesses (tests/fuzz/README).
#   run.sh check HARNESS...          each over tests/fuzz/NAME/ once, no fuzzing
#   run.sh run SECONDS HARNESS...    each fuzzing for SECONDS from those seeds
# Fails when any harness crashed or broke a check; a crashing input is kept
# as tests/fuzz/build/crash-NAME-*.
mode=$1
shift
if [ "$mode" = run ]; then
	seconds=$1
	shift
fi
cd "$(dirname "$0")/../.." || exit 1
failed=
for bin in "$@"; do
	name=$(basename "$bin")
	seeds=tests/fuzz/$name
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict
	if [ "$mode" = check ]; then
		# every file once, in a fixed order; libFuzzer reads the arguments as inputs
		# shellcheck disable=SC2046
		if "$bin" -runs=1 $(find "$seeds" -type f | LC_ALL=C sort) >"tests/fuzz/build/$name.log" 2>&1; then
			echo "ok - fuzz $name: $(find "$seeds" -type f | wc -l) inputs"
		else
			echo "not ok - fuzz $name (tests/fuzz/build/$name.log):"
			tail -n 30 "tests/fuzz/build/$name.log"
			failed="$failed $name"
		fi
	else
		mkdir -p "tests/fuzz/build/corpus/$name"
		if "$bin" -max_total_time="$seconds" -print_final_stats=1 $dict \
			-artifact_prefix="tests/fuzz/build/crash-$name-" \
			"tests/fuzz/build/corpus/$name" "$seeds" >"tests/fuzz/build/$name.log" 2>&1; then
			echo "ok - fuzz $name: $(sed -n 's/^stat::number_of_executed_units: *//p' \
				"tests/fuzz/build/$name.log") runs in ${seconds} s"
		else
			echo "not ok - fuzz $name (tests/fuzz/build/$name.log):"
			tail -n 40 "tests/fuzz/build/$name.log"
			failed="$failed $name"
		fi
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed"
	exit 1
fi
