#!/usr/bin/env bash
# Make a Kafka 4.x container image available locally WITHOUT any image registry.
#
#   scripts/build-kafka-image.sh [--force] [--help]
#
# The image is assembled from what this machine can reach: a Debian bookworm rootfs made
# with debootstrap (Debian mirror) plus Kafka's jars resolved with Maven (Maven Central),
# then `docker import`ed. The entrypoint (docker/kafka/entrypoint.sh) speaks the official
# apache/kafka image's KAFKA_* environment interface.
#
# Idempotent: if the image exists it exits at once (well under a second). An image built
# by an older recipe of this script (docker/kafka/* changed) is rebuilt, from the caches.
#
# Environment:
#   LDFI_KAFKA_IMAGE     image name:tag                   (default ldfi/kafka:local)
#                        it is also tagged <name>:<kafka version>, e.g. ldfi/kafka:4.4.0
#   LDFI_KAFKA_VERSIONS  Kafka versions to try, newest first
#                        (default "4.4.0 4.3.1 4.2.0 4.1.1 4.0.0")
#   LDFI_CACHE_DIR       cache for the base rootfs tarball and the jars (default /var/cache/ldfi)
#   LDFI_DEBIAN_MIRROR   Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   LDFI_KAFKA_REBUILD=1 same as --force: rebuild the image (caches are still used)
#
# Needs root (debootstrap, /var/cache) only when it actually builds; missing host tools
# (debootstrap, maven, unzip) are installed with apt-get when possible.
set -Eeuo pipefail

# Bump when the way the image is assembled changes (forces a rebuild of existing images).
RECIPE_VERSION=1
BASE_RECIPE_VERSION=1

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
SRC_DIR="$REPO_DIR/docker/kafka"

IMAGE=${LDFI_KAFKA_IMAGE:-ldfi/kafka:local}
CACHE_DIR=${LDFI_CACHE_DIR:-/var/cache/ldfi}
KAFKA_VERSIONS=${LDFI_KAFKA_VERSIONS:-4.4.0 4.3.1 4.2.0 4.1.1 4.0.0}
MIRROR=${LDFI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
FORCE=${LDFI_KAFKA_REBUILD:-0}
# bash/coreutils/hostname/sed/grep/gawk... come with minbase.
BASE_PACKAGES="openjdk-17-jre-headless,procps,iproute2,iptables,netcat-openbsd"
SOURCE_FILES=(entrypoint.sh kafka-run-class.sh log4j2.properties tools-log4j2.properties)

for arg in "$@"; do
  case "$arg" in
    --force | -f) FORCE=1 ;;
    --help | -h)
      sed -n '2,/^set -Eeuo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "build-kafka-image: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

# ------------------------------------------------------------------ output helpers
say() { echo "[build-kafka-image] $*"; }
warn() { echo "[build-kafka-image] WARNING: $*" >&2; }
CURRENT_STEP="start-up"
STEP_HINT=""
fail() { # message [hint]
  echo "[build-kafka-image] ERROR in step '$CURRENT_STEP': $1" >&2
  [[ -n ${2:-$STEP_HINT} ]] && echo "[build-kafka-image] what to do: ${2:-$STEP_HINT}" >&2
  exit 1
}
on_err() {
  local rc=$1 line=$2
  echo "[build-kafka-image] ERROR in step '$CURRENT_STEP': command failed (exit $rc) at line $line of ${BASH_SOURCE[0]}" >&2
  [[ -n $STEP_HINT ]] && echo "[build-kafka-image] what to do: $STEP_HINT" >&2
  exit "$rc"
}
trap 'on_err $? $LINENO' ERR

now_us() { echo "${EPOCHREALTIME/./}"; }
fmt_s() { printf '%d.%01ds' $(($1 / 1000000)) $((($1 % 1000000) / 100000)); }
SCRIPT_T0=$(now_us)
STEP_T0=$SCRIPT_T0
TIMINGS=()
step() { # name hint
  CURRENT_STEP=$1
  STEP_HINT=${2:-}
  STEP_T0=$(now_us)
  say "---- $CURRENT_STEP"
}
step_done() { # [note]
  local dt=$(($(now_us) - STEP_T0))
  TIMINGS+=("$(printf '%-26s %8s  %s' "$CURRENT_STEP" "$(fmt_s "$dt")" "${1:-}")")
  say "     $CURRENT_STEP done in $(fmt_s "$dt")${1:+ ($1)}"
}
print_timings() {
  say "timings:"
  local t
  for t in "${TIMINGS[@]}"; do say "  $t"; done
  say "  $(printf '%-26s %8s' total "$(fmt_s $(($(now_us) - SCRIPT_T0)))")"
}

# ------------------------------------------------------------------ naming
image_repo() { # strip the tag (not a registry port) from an image reference
  local ref=$1 last=${1##*/}
  if [[ $last == *:* ]]; then echo "${ref%:*}"; else echo "$ref"; fi
}
IMAGE_REPO=$(image_repo "$IMAGE")
[[ ${IMAGE##*/} == *:* ]] || IMAGE="$IMAGE:latest"

recipe_hash() {
  {
    echo "recipe=$RECIPE_VERSION base=$BASE_RECIPE_VERSION suite=$SUITE packages=$BASE_PACKAGES"
    echo "versions=$KAFKA_VERSIONS"
    local f
    for f in "${SOURCE_FILES[@]}"; do
      echo "== $f"
      cat "$SRC_DIR/$f"
    done
  } | sha256sum | cut -c1-16
}

# ------------------------------------------------------------------ step: docker
step "check-docker" "start the Docker daemon (e.g. 'service docker start' or 'dockerd &'), and run this script as a user allowed to use it (root)"
command -v docker >/dev/null 2>&1 || fail "the docker CLI is not installed" "apt-get install -y docker.io iptables, then start dockerd"
if ! docker_ver=$(timeout 20 docker version --format '{{.Server.Version}}' 2>&1); then
  fail "the Docker daemon does not answer: $docker_ver"
fi
for f in "${SOURCE_FILES[@]}"; do
  [[ -r $SRC_DIR/$f ]] || fail "missing source file $SRC_DIR/$f" "restore docker/kafka/ from git"
done
RECIPE=$(recipe_hash)

image_recipe() { # prints the ldfi.recipe label, "none" for a foreign image; fails if absent
  local out
  out=$(docker image inspect --format '{{index .Config.Labels "ldfi.recipe"}}' "$1" 2>/dev/null) || return 1
  [[ -n $out && $out != "<no value>" ]] && echo "$out" || echo none
}

fast_path() { # exit 0 when the image is present and current
  local have version
  have=$(image_recipe "$IMAGE") || return 0
  if [[ $FORCE == 1 ]]; then
    say "image $IMAGE exists but a rebuild was requested (--force / LDFI_KAFKA_REBUILD=1)"
    return 0
  fi
  if [[ $have == none ]]; then
    say "image $IMAGE already present (not built by this script; using it as is)"
    exit 0
  fi
  if [[ $have == "$RECIPE" ]]; then
    version=$(docker image inspect --format '{{index .Config.Labels "ldfi.kafka.version"}}' "$IMAGE")
    if [[ -n $version && $version != "<no value>" ]] && ! docker image inspect "$IMAGE_REPO:$version" >/dev/null 2>&1; then
      docker tag "$IMAGE" "$IMAGE_REPO:$version"
    fi
    say "image $IMAGE (Kafka $version) already present and up to date, nothing to do ($(fmt_s $(($(now_us) - SCRIPT_T0))))"
    exit 0
  fi
  say "image $IMAGE was built from an older recipe ($have != $RECIPE), rebuilding from caches"
}
fast_path
step_done "docker $docker_ver"

# ------------------------------------------------------------------ step: host prerequisites
step "host-prerequisites" "run as root on Debian/Ubuntu, or install debootstrap, maven (with a JDK/JRE 17+) and unzip by hand"
[[ $(id -u) == 0 ]] || fail "building the image needs root (debootstrap, $CACHE_DIR)" "re-run with sudo, or as root"
mkdir -p "$CACHE_DIR" "$CACHE_DIR/tmp" "$CACHE_DIR/base"
# Serialize concurrent builds; the winner's image is then reused by the others.
exec 9>"$CACHE_DIR/.build.lock"
if ! flock -n 9; then
  say "another build holds $CACHE_DIR/.build.lock, waiting for it ..."
  flock 9
  FORCE_SAVED=$FORCE
  FORCE=0
  fast_path
  FORCE=$FORCE_SAVED
fi

WORK=$(mktemp -d "$CACHE_DIR/tmp/build.XXXXXX")
cleanup_work() {
  [[ -n ${WORK:-} && -d $WORK ]] || return 0
  # debootstrap mounts proc/sys inside its target: never rm -rf through a mount.
  local m
  awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  if awk -v w="$WORK/" 'index($2, w) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    warn "mounts remain under $WORK; not deleting it"
    return 0
  fi
  rm -rf --one-file-system "$WORK"
}
trap cleanup_work EXIT

need_cmds=()
command -v unzip >/dev/null || need_cmds+=(unzip)
BASE_KEY=$(echo "base=$BASE_RECIPE_VERSION suite=$SUITE packages=$BASE_PACKAGES arch=$(dpkg --print-architecture 2>/dev/null || uname -m)" | sha256sum | cut -c1-12)
BASE_TAR="$CACHE_DIR/base/debian-$SUITE-minbase-jre17-$BASE_KEY.tar"
[[ -s $BASE_TAR ]] || command -v debootstrap >/dev/null || need_cmds+=(debootstrap)
command -v mvn >/dev/null || need_cmds+=(maven)
command -v java >/dev/null || need_cmds+=(openjdk-17-jre-headless)
if ((${#need_cmds[@]})); then
  command -v apt-get >/dev/null || fail "missing host tools: ${need_cmds[*]}"
  say "installing missing host packages: ${need_cmds[*]}"
  apt-get update -qq >"$WORK/apt.log" 2>&1 || { tail -20 "$WORK/apt.log" >&2; fail "apt-get update failed"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_cmds[@]}" >>"$WORK/apt.log" 2>&1 ||
    { tail -20 "$WORK/apt.log" >&2; fail "apt-get install ${need_cmds[*]} failed"; }
fi
step_done

# ------------------------------------------------------------------ step: base rootfs
step "debootstrap-base" "check that $MIRROR is reachable (apt-get update works) and that $CACHE_DIR has ~1 GB free; the log is printed above"
if [[ -s $BASE_TAR && -s $BASE_TAR.env ]]; then
  step_done "cached $(basename "$BASE_TAR")"
else
  ROOTFS="$WORK/rootfs"
  say "debootstrap --variant=minbase $SUITE ($BASE_PACKAGES) from $MIRROR; takes a few minutes ..."
  if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    tail -40 "$WORK/debootstrap.log" >&2
    [[ -f $ROOTFS/debootstrap/debootstrap.log ]] && tail -20 "$ROOTFS/debootstrap/debootstrap.log" >&2
    fail "debootstrap failed"
  fi
  JAVA_HOME_IN=""
  for d in "$ROOTFS"/usr/lib/jvm/java-17-openjdk-*; do [[ -d $d ]] && JAVA_HOME_IN=${d#"$ROOTFS"/}; done
  [[ -n $JAVA_HOME_IN && -x $ROOTFS/$JAVA_HOME_IN/bin/java ]] || fail "no Java 17 in the debootstrapped rootfs"
  # Slim down and drop host-specific files (docker provides resolv.conf/hosts/hostname).
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
    "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
    "$ROOTFS"/var/log/*.log "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/debootstrap
  rm -f "$ROOTFS"/etc/resolv.conf "$ROOTFS"/etc/hostname
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$ROOTFS/etc/apt/sources.list"
  tar --numeric-owner -C "$ROOTFS" -cf "$BASE_TAR.tmp" .
  echo "JAVA_HOME=/$JAVA_HOME_IN" >"$BASE_TAR.env.tmp"
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  mv "$BASE_TAR.env.tmp" "$BASE_TAR.env"
  rm -rf --one-file-system "$ROOTFS" 2>/dev/null || true
  step_done "built $(basename "$BASE_TAR"), $(du -h "$BASE_TAR" | cut -f1)"
fi
JAVA_HOME_IMG=$(sed -n 's/^JAVA_HOME=//p' "$BASE_TAR.env")

# ------------------------------------------------------------------ Kafka jars (per version)
count_jars() { local a=("$1"/*.jar); echo "${#a[@]}"; }

write_pom() { # version dir [binding-artifact binding-version]
  local v=$1 dir=$2 extra=""
  if [[ $# -ge 4 ]]; then
    extra="<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>$3</artifactId><version>$4</version></dependency>"
  fi
  cat >"$dir/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/build-kafka-image.sh: the runtime classpath of a Kafka $v broker + tools -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ldfi</groupId>
  <artifactId>ldfi-kafka-libs</artifactId>
  <version>$v</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$v</version></dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$v</version>
      <exclusions>
        <!-- only needed by connect-plugin-path; drags in Jetty/Jersey -->
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
      </exclusions>
    </dependency>
    $extra
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.6.1</version>
  </plugin></plugins></build>
</project>
EOF
}

mvn_copy() { # dir outdir
  (cd "$1" && mvn -B -q -Dstyle.color=never -f pom.xml dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$2" >"$1/mvn.log" 2>&1)
}

class_major() { # jar -> class-file major version of its first regular class
  ( # early-closing pipes (head/awk exit) must not count as failures here
    set +o pipefail
    local c
    c=$(unzip -Z1 "$1" 2>/dev/null | awk '/\.class$/ && !/^META-INF\// && !/module-info/ { print; exit }')
    [[ -n $c ]] || exit 1
    unzip -p "$1" "$c" | head -c 8 | od -An -tu1 | awk '{ print $8 }'
  )
}

resolve_libs() { # version -> sets LIBS_DIR, returns non-zero if unusable
  local v=$1 vdir="$CACHE_DIR/kafka-$1" log4j_ver="" slf4j_ver="" binding j major
  LIBS_DIR="$vdir/libs"
  local key
  key=$(declare -f write_pom resolve_libs | sha256sum | cut -c1-16)
  if [[ -d $LIBS_DIR && -f $vdir/.complete && $(cat "$vdir/.complete") == "$key" ]]; then
    say "Kafka $v jars cached in $LIBS_DIR ($(count_jars "$LIBS_DIR") jars)"
    return 0
  fi
  mkdir -p "$vdir"
  rm -rf "$vdir/libs.tmp"
  write_pom "$v" "$vdir"
  say "resolving org.apache.kafka:kafka_2.13:$v + kafka-tools with Maven ..."
  if ! mvn_copy "$vdir" "$vdir/libs.tmp"; then
    grep -E 'ERROR|Could not' "$vdir/mvn.log" | head -5 >&2 || tail -5 "$vdir/mvn.log" >&2
    warn "Kafka $v does not resolve from Maven (log: $vdir/mvn.log)"
    return 1
  fi
  # Kafka's server jars bring log4j-api/log4j-core but no SLF4J binding: add the one that
  # matches the slf4j-api on the classpath (1.x -> log4j-slf4j-impl, 2.x -> log4j-slf4j2-impl).
  if ! compgen -G "$vdir/libs.tmp/log4j-slf4j*-impl-*.jar" >/dev/null; then
    for j in "$vdir"/libs.tmp/log4j-core-*.jar; do [[ -f $j ]] && log4j_ver=$(basename "$j" .jar) && log4j_ver=${log4j_ver#log4j-core-}; done
    for j in "$vdir"/libs.tmp/slf4j-api-*.jar; do [[ -f $j ]] && slf4j_ver=$(basename "$j" .jar) && slf4j_ver=${slf4j_ver#slf4j-api-}; done
    [[ -n $log4j_ver ]] || log4j_ver=2.24.3
    if [[ $slf4j_ver == 1.* ]]; then binding=log4j-slf4j-impl; else binding=log4j-slf4j2-impl; fi
    say "adding SLF4J binding org.apache.logging.log4j:$binding:$log4j_ver (slf4j-api ${slf4j_ver:-?})"
    write_pom "$v" "$vdir" "$binding" "$log4j_ver"
    rm -rf "$vdir/libs.tmp"
    if ! mvn_copy "$vdir" "$vdir/libs.tmp"; then
      tail -20 "$vdir/mvn.log" >&2
      warn "Kafka $v: could not resolve $binding:$log4j_ver"
      return 1
    fi
  fi
  for j in "$vdir/libs.tmp/kafka_2.13-$v.jar" "$vdir/libs.tmp/kafka-server-$v.jar" "$vdir/libs.tmp/kafka-tools-$v.jar"; do
    [[ -f $j ]] || continue
    major=$(class_major "$j" || true)
    if [[ -n $major && $major -gt 61 ]]; then
      warn "Kafka $v: $(basename "$j") needs Java $((major - 44)) (class version $major), the image has Java 17"
      return 1
    fi
  done
  rm -rf "$LIBS_DIR"
  mv "$vdir/libs.tmp" "$LIBS_DIR"
  echo "$key" >"$vdir/.complete"
  say "Kafka $v: $(count_jars "$LIBS_DIR") jars, $(du -sh "$LIBS_DIR" | cut -f1)"
}

resolve_tool_classes() { # libs-dir -> "name class" lines for classes present in the jars
  local libs=$1 idx="$WORK/classes.idx" name cands c
  if command -v unzip >/dev/null; then
    for j in "$libs"/*.jar; do unzip -Z1 "$j" 2>/dev/null; done | grep '\.class$' >"$idx" || true
  fi
  while read -r name cands; do
    for c in $cands; do
      if [[ ! -s $idx ]] || grep -qxF "${c//.//}.class" "$idx"; then
        echo "$name $c"
        break
      fi
    done
  done < <(bash "$SRC_DIR/kafka-run-class.sh" --candidates)
}

assemble_and_import() { # version libs-dir candidate-tag
  local v=$1 libs=$2 tag=$3 stage="$WORK/stage" tarball="$WORK/image.tar" name
  rm -rf "$stage" "$tarball"
  mkdir -p "$stage/opt/kafka/bin" "$stage/opt/kafka/config" "$stage/opt/kafka/libs" "$stage/var/lib/kafka/data"
  cp "$libs"/*.jar "$stage/opt/kafka/libs/"
  install -m 0755 "$SRC_DIR/entrypoint.sh" "$SRC_DIR/kafka-run-class.sh" "$stage/opt/kafka/bin/"
  install -m 0644 "$SRC_DIR/log4j2.properties" "$SRC_DIR/tools-log4j2.properties" "$stage/opt/kafka/config/"
  resolve_tool_classes "$libs" >"$stage/opt/kafka/bin/tool-classes"
  while read -r name _; do
    ln -s kafka-run-class.sh "$stage/opt/kafka/bin/$name"
  done <"$stage/opt/kafka/bin/tool-classes"
  echo "$v" >"$stage/opt/kafka/VERSION"
  cp "$BASE_TAR" "$tarball"
  tar --numeric-owner --owner=0 --group=0 -C "$stage" -rf "$tarball" ./opt/kafka ./var/lib/kafka
  # No ownership label (ldfi.project, ldfi.created, ldfi.cluster) on the
  # image: Docker copies image labels onto every container made from it,
  # also from a user's image built FROM this one, and `ldfi clean` must not
  # take those for its own (src/engine/ownership.rs).
  docker import \
    --change 'ENTRYPOINT ["/opt/kafka/bin/entrypoint.sh"]' \
    --change "ENV PATH=/opt/kafka/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV JAVA_HOME=$JAVA_HOME_IMG" \
    --change "ENV KAFKA_VERSION=$v" \
    --change "ENV LANG=C.UTF-8" \
    --change "WORKDIR /opt/kafka" \
    --change "EXPOSE 9092 9093" \
    --change "LABEL ldfi.kafka.version=$v ldfi.recipe=$RECIPE org.opencontainers.image.title=ldfi-kafka org.opencontainers.image.version=$v" \
    --message "ldfi Kafka $v (debootstrap $SUITE + Maven Central jars)" \
    "$tarball" "$tag" >/dev/null
  rm -f "$tarball"
}

verify_image() { # tag version -> 0 if Kafka runs on the image's Java
  local tag=$1 v=$2 out
  # --hostname localhost: with --network none the container's own hostname does not
  # resolve, and log4j-core prints a stack trace looking it up.
  if ! out=$(timeout 120 docker run --rm --network none --hostname localhost --entrypoint java "$tag" \
    -Xmx128m -XX:TieredStopAtLevel=1 -cp '/opt/kafka/libs/*' kafka.Kafka --version 2>&1); then
    warn "Kafka $v does not start on the image's Java: $(echo "$out" | tail -3)"
    return 1
  fi
  if ! grep -qxF "$v" <<<"$out"; then
    warn "kafka.Kafka --version printed '$(tail -1 <<<"$out")', expected $v"
    return 1
  fi
  if ! out=$(timeout 120 docker run --rm --network none --hostname localhost "$tag" kafka-storage.sh random-uuid 2>&1); then
    warn "kafka-storage.sh random-uuid failed in the image: $(echo "$out" | tail -3)"
    return 1
  fi
  if grep -q -e 'SLF4J' -e 'ERROR' <<<"$out"; then
    warn "logging is broken in the image: $(grep -e SLF4J -e ERROR <<<"$out" | head -2)"
    return 1
  fi
  return 0
}

CHOSEN=""
CAND_TAG="$IMAGE_REPO:candidate-$$"
for v in $KAFKA_VERSIONS; do
  step "maven-jars $v" "check that Maven Central is reachable ('mvn -v'; proxy settings in ~/.m2/settings.xml) and see the Maven log named above"
  if ! resolve_libs "$v"; then
    step_done "unusable, trying the next version"
    continue
  fi
  step_done "$(count_jars "$LIBS_DIR") jars"

  step "import $v" "check free disk space under $CACHE_DIR and /var/lib/docker, and 'docker info'"
  assemble_and_import "$v" "$LIBS_DIR" "$CAND_TAG"
  step_done "$(docker image inspect --format '{{.Size}}' "$CAND_TAG" | awk '{ printf "%d MB", $1 / 1000000 }')"

  step "verify $v" "see the warning above; the next Kafka version is tried"
  if verify_image "$CAND_TAG" "$v"; then
    step_done "kafka.Kafka --version = $v"
    CHOSEN=$v
    break
  fi
  docker image rm "$CAND_TAG" >/dev/null 2>&1 || true
  step_done "failed, trying the next version"
done

if [[ -z $CHOSEN ]]; then
  CURRENT_STEP="select-version"
  print_timings
  fail "no Kafka version out of '$KAFKA_VERSIONS' could be resolved and run on Java 17" \
    "read the warnings above (Maven logs are in $CACHE_DIR/kafka-<version>/mvn.log); set LDFI_KAFKA_VERSIONS to a version list to try"
fi
step "tag" "docker tag failed: check the image name in LDFI_KAFKA_IMAGE ($IMAGE)"
OLD_ID=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
docker tag "$CAND_TAG" "$IMAGE"
docker tag "$CAND_TAG" "$IMAGE_REPO:$CHOSEN"
docker image rm "$CAND_TAG" >/dev/null # removes the temporary tag only
NEW_ID=$(docker image inspect --format '{{.Id}}' "$IMAGE")
if [[ -n $OLD_ID && $OLD_ID != "$NEW_ID" ]]; then
  docker image rm "$OLD_ID" >/dev/null 2>&1 || say "previous image ${OLD_ID:7:12} is still in use by a container, left in place"
fi
# Untagged images of earlier recipes whose containers are gone by now.
for old in $(docker image ls -q --filter dangling=true --filter label=ldfi.recipe); do
  docker image rm "$old" >/dev/null 2>&1 || true
done
step_done
print_timings
say "OK: $IMAGE and $IMAGE_REPO:$CHOSEN (Kafka $CHOSEN, Java 17, ${NEW_ID:7:12})"
