#!/usr/bin/env bash
# Builds the Java kit that ldfi mounts into JVM pipeline instances:
#   target/ldfi-streams.jar             the shipped Kafka Streams apps, one main class each:
#                                       ldfi.streams.WordCount (the manifest's default),
#                                       FilterMap, Sum, WindowedCount, Enrich, StreamJoin, TableJoin
#   target/lib/*.jar                    Kafka Streams, Kafka clients, deps, slf4j-simple
#                                       (/opt/ldfi/lib: the classpath of every jar pipeline)
#   target/opentelemetry-javaagent.jar  the OpenTelemetry Java agent (its Kafka publish and
#                                       process spans are a lineage source; src/run/nodes.rs)
# The app jar stays out of lib/: an instance's classpath is app.jar:/opt/ldfi/lib/*, and
# lib/ is shared by every jar pipeline, so an app in it would be on the others' classpath.
#
# Idempotent: does nothing when every output is newer than pom.xml and the sources.
# Tries an offline Maven build first (no network when ~/.m2 already has everything),
# then an online one (Maven Central only). Tests are compiled, not run (test.sh runs
# them); compiling them is what puts their dependencies in ~/.m2 for test.sh's
# offline run.
#
#   pipelines/java/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/ldfi-streams.jar"
agent="$here/target/opentelemetry-javaagent.jar"
lib="$here/target/lib"

for tool in java mvn; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "pipelines/java/build.sh: error: '$tool' not found on PATH (need Java 17+ and Maven 3.8+;" \
             "on Debian: apt-get install -y openjdk-17-jdk-headless maven, or run scripts/setup)" >&2
        exit 1
    fi
done

up_to_date() {
    [[ -f "$jar" && -f "$agent" && -d "$lib" ]] || return 1
    [[ -n "$(ls -A "$lib" 2>/dev/null)" ]] || return 1
    # The jar is touched last, after lib/ and the agent: any input newer than it?
    [[ -z "$(find "$here/pom.xml" "$here/src" -newer "$jar" -print -quit 2>/dev/null)" ]]
}

if [[ "${1:-}" != "--force" ]] && up_to_date; then
    echo "java kit: up to date ($here/target)" >&2
    exit 0
fi

cd "$here"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$(date +%s)
# A dependency dropped from the pom must leave lib/ too: it is on every
# instance's classpath. copy-dependencies refills it.
rm -rf "$lib"
if mvn -q -o -B package -DskipTests >"$log" 2>&1; then
    how=offline
else
    echo "java kit: offline build failed, retrying online (Maven Central)" >&2
    if mvn -q -B package -DskipTests >"$log" 2>&1; then
        how=online
    else
        cat "$log" >&2
        echo "pipelines/java/build.sh: error: mvn package failed (log above)" >&2
        exit 1
    fi
fi
# Belt and braces: the app jar must never sit in lib/.
rm -f "$lib/$(basename "$jar")"
# mvn does not rewrite an unchanged jar; make the up-to-date check see this build.
touch "$jar"
echo "java kit: built $here/target ($how, $(( $(date +%s) - start ))s, $(ls "$lib" | wc -l) jars in lib/)" >&2
