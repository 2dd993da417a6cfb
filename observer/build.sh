#!/usr/bin/env bash
# Builds the ldfi observer (observer/target/ldfi-observer.jar + observer/target/lib/*).
# Idempotent: does nothing when the jar is newer than pom.xml and every source file.
# Tries an offline Maven build first (no network when ~/.m2 already has everything),
# then falls back to an online one (Maven Central only).
#
# Run the result with:
#   java -cp 'observer/target/ldfi-observer.jar:observer/target/lib/*' ldfi.observer.Observer <bootstrap>
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/ldfi-observer.jar"

for tool in java mvn; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "observer/build.sh: error: '$tool' not found on PATH (need Java 17+ and Maven 3.8+;" \
             "on Debian: apt-get install -y openjdk-17-jdk-headless maven)" >&2
        exit 1
    fi
done

up_to_date() {
    [[ -f "$jar" && -d "$here/target/lib" ]] || return 1
    [[ -n "$(ls -A "$here/target/lib" 2>/dev/null)" ]] || return 1
    # any input newer than the jar?
    [[ -z "$(find "$here/pom.xml" "$here/src" -newer "$jar" -print -quit 2>/dev/null)" ]]
}

if [[ "${1:-}" != "--force" ]] && up_to_date; then
    echo "observer: up to date ($jar)" >&2
    exit 0
fi

cd "$here"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$(date +%s)
if mvn -q -o -B package -DskipTests >"$log" 2>&1; then
    how=offline
else
    echo "observer: offline build failed, retrying online (Maven Central)" >&2
    if mvn -q -B package -DskipTests >"$log" 2>&1; then
        how=online
    else
        cat "$log" >&2
        echo "observer/build.sh: error: mvn package failed" >&2
        exit 1
    fi
fi
# mvn does not rewrite an unchanged jar; make the up-to-date check see this build.
touch "$jar"
echo "observer: built $jar ($how, $(( $(date +%s) - start ))s)" >&2
