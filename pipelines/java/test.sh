#!/usr/bin/env bash
# Runs the Java kit's tests: each shipped Streams app's topology under
# Kafka Streams' TopologyTestDriver (no broker, no Docker), in seconds.
# Tries an offline Maven run first (build.sh's package has already put the
# test dependencies and surefire's JUnit provider in ~/.m2), then an online
# one (Maven Central only). Extra arguments go to mvn, e.g.
#
#   pipelines/java/test.sh [-Dtest=SumTest]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for tool in java mvn; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "pipelines/java/test.sh: error: '$tool' not found on PATH (need Java 17+ and Maven 3.8+;" \
             "on Debian: apt-get install -y openjdk-17-jdk-headless maven, or run scripts/setup)" >&2
        exit 1
    fi
done

cd "$here"
log="$(mktemp)"
since="$(mktemp)"   # reports newer than this are this run's
trap 'rm -f "$log" "$since"' EXIT
start=$(date +%s)
# A failing test would fail online too; only what offline mode could not
# resolve earns the online retry.
if mvn -o -q -B test "$@" >"$log" 2>&1; then
    how=offline
elif ! grep -q "in offline mode" "$log"; then
    cat "$log" >&2
    echo "pipelines/java/test.sh: error: Java tests failed (log above; reports in $here/target/surefire-reports)" >&2
    exit 1
else
    echo "java tests: offline run failed, retrying online (Maven Central)" >&2
    if mvn -q -B test "$@" >"$log" 2>&1; then
        how=online
    else
        cat "$log" >&2
        echo "pipelines/java/test.sh: error: mvn test failed (log above; reports in $here/target/surefire-reports)" >&2
        exit 1
    fi
fi
# surefire's summary per class, "Tests run: N, Failures: 0, ...", in this run's reports.
runs=$(find "$here/target/surefire-reports" -name '*.txt' -newer "$since" -exec cat {} + 2>/dev/null |
       awk '/^Tests run:/ { sub(",", "", $3); n += $3 } END { print n + 0 }')
echo "java tests: $runs passed ($how, $(( $(date +%s) - start ))s)" >&2
