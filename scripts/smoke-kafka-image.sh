#!/usr/bin/env bash
# End-to-end smoke test of the local Kafka image, with plain docker commands only:
#   3 combined broker+controller containers (broker-1..3) on a user-defined network,
#   wait for all three to register, create a topic with RF 3, produce and consume,
#   `docker kill` + `docker start` broker-2 and check that it comes back with its data and
#   without reformatting, then `docker stop` a broker and check for a clean shutdown.
# Everything it creates carries the label ldfi.project=ldfi and is removed on exit, also
# on failure (the containers' logs are printed first when something failed).
#
# Environment: LDFI_KAFKA_IMAGE (default ldfi/kafka:local; built with
#   scripts/build-kafka-image.sh when missing), LDFI_SMOKE_NETWORK (default ldfi-smoke),
#   LDFI_SMOKE_PREFIX (container-name prefix, default "ldfi-smoke-"; the network aliases
#   and hostnames are always broker-1..3), LDFI_SMOKE_TIMEOUT (seconds per wait, default 180).
set -Eeuo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGE=${LDFI_KAFKA_IMAGE:-ldfi/kafka:local}
NET=${LDFI_SMOKE_NETWORK:-ldfi-smoke}
PREFIX=${LDFI_SMOKE_PREFIX:-ldfi-smoke-}
TIMEOUT=${LDFI_SMOKE_TIMEOUT:-180}
TOPIC=ldfi-smoke
NODES=(1 2 3)
VOTERS="1@broker-1:9093,2@broker-2:9093,3@broker-3:9093"
LABELS=(--label ldfi.project=ldfi --label ldfi.role=smoke-test)

say() { echo "[smoke-kafka] $*"; }
now_us() { echo "${EPOCHREALTIME/./}"; }
fmt_s() { printf '%d.%01ds' $(($1 / 1000000)) $((($1 % 1000000) / 100000)); }
T0=$(now_us)
TIMINGS=()
mark() { # name start_us
  local dt=$(($(now_us) - $2))
  TIMINGS+=("$(printf '%-34s %8s' "$1" "$(fmt_s "$dt")")")
  say "$1: $(fmt_s "$dt")"
}

cname() { echo "${PREFIX}broker-$1"; }
FAILED=1
cleanup() {
  local rc=$? n
  trap - EXIT ERR INT TERM
  if [[ $FAILED == 1 ]]; then
    say "FAILED (exit $rc); last container logs:"
    for n in "${NODES[@]}"; do
      if docker inspect "$(cname "$n")" >/dev/null 2>&1; then
        echo "----- $(cname "$n") ($(docker inspect --format '{{.State.Status}} exit={{.State.ExitCode}}' "$(cname "$n")"))"
        docker logs --tail 40 "$(cname "$n")" 2>&1 | sed 's/^/    /'
      fi
    done
  fi
  say "cleaning up"
  for n in "${NODES[@]}"; do docker rm -f "$(cname "$n")" >/dev/null 2>&1 || true; done
  docker network rm "$NET" >/dev/null 2>&1 || true
  [[ $FAILED == 1 ]] && exit "${rc/#0/1}"
  exit 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { say "ERROR: $*" >&2; exit 1; }

# kafka tool inside a broker container: ktool N tool args... (ktool_in: with stdin)
ktool() { local n=$1; shift; docker exec "$(cname "$n")" "$@" </dev/null; }
ktool_in() { local n=$1; shift; docker exec -i "$(cname "$n")" "$@"; }

wait_until() { # description command... ; polls every 2s up to $TIMEOUT
  local desc=$1 start=$SECONDS
  shift
  until "$@"; do
    ((SECONDS - start < TIMEOUT)) || fail "timed out after ${TIMEOUT}s waiting for: $desc"
    sleep 2
  done
}

registered_brokers() { # N -> number of unfenced brokers that broker N's metadata knows
  ktool "$1" kafka-broker-api-versions.sh --bootstrap-server "broker-$1:9092" 2>/dev/null |
    grep -oE '^broker-[0-9]+:9092 \(id: [0-9]+ rack: [^ ]+ isFenced: false\)' | sort -u | wc -l
}
all_registered() { [[ $(registered_brokers "$1") -eq ${#NODES[@]} ]]; }
fully_replicated() { # no under-replicated partition of $TOPIC, as seen from broker N
  local out
  out=$(ktool "$1" kafka-topics.sh --bootstrap-server "broker-$1:9092" --describe --topic "$TOPIC" --under-replicated-partitions 2>/dev/null) || return 1
  [[ -z $out ]]
}
segment_bytes() { # bytes of $TOPIC's log segments on broker N
  ktool "$1" sh -c "cat /var/lib/kafka/data/$TOPIC-*/*.log 2>/dev/null | wc -c"
}

# ------------------------------------------------------------------ image
t=$(now_us)
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "image $IMAGE missing, building it"
fi
"$SCRIPT_DIR/build-kafka-image.sh"
mark "image ready (build script)" "$t"
KAFKA_VERSION=$(docker image inspect --format '{{index .Config.Labels "ldfi.kafka.version"}}' "$IMAGE")
say "image $IMAGE, Kafka $KAFKA_VERSION"

# ------------------------------------------------------------------ leftovers of an earlier run
for n in "${NODES[@]}"; do docker rm -f "$(cname "$n")" >/dev/null 2>&1 || true; done
docker network rm "$NET" >/dev/null 2>&1 || true

# ------------------------------------------------------------------ cluster
t=$(now_us)
CLUSTER_ID=$(docker run --rm --network none --hostname localhost "${LABELS[@]}" "$IMAGE" kafka-storage.sh random-uuid)
[[ $CLUSTER_ID =~ ^[A-Za-z0-9_-]{22}$ ]] || fail "kafka-storage.sh random-uuid printed '$CLUSTER_ID'"
mark "random-uuid (one tool JVM)" "$t"
say "cluster id $CLUSTER_ID"

docker network create "${LABELS[@]}" "$NET" >/dev/null
t_cluster=$(now_us)
for n in "${NODES[@]}"; do
  docker run -d --name "$(cname "$n")" --hostname "broker-$n" \
    --network "$NET" --network-alias "broker-$n" "${LABELS[@]}" \
    -e KAFKA_NODE_ID="$n" \
    -e KAFKA_PROCESS_ROLES=broker,controller \
    -e KAFKA_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093 \
    -e KAFKA_ADVERTISED_LISTENERS="PLAINTEXT://broker-$n:9092" \
    -e KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER \
    -e KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT \
    -e KAFKA_INTER_BROKER_LISTENER_NAME=PLAINTEXT \
    -e KAFKA_CONTROLLER_QUORUM_VOTERS="$VOTERS" \
    -e CLUSTER_ID="$CLUSTER_ID" \
    -e KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=3 \
    -e KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=3 \
    -e KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=2 \
    -e KAFKA_HEAP_OPTS="-Xmx512m -Xms384m" \
    "$IMAGE" >/dev/null
done
say "started $(cname 1) .. $(cname 3); waiting for 3 registered brokers"
wait_until "3 unfenced brokers" all_registered 1
mark "cluster ready (3 brokers registered)" "$t_cluster"
ktool 1 kafka-metadata-quorum.sh --bootstrap-server broker-1:9092 describe --status | sed 's/^/    /'

# ------------------------------------------------------------------ topic, produce, consume
t=$(now_us)
ktool 1 kafka-topics.sh --bootstrap-server broker-1:9092 --create --topic "$TOPIC" \
  --partitions 3 --replication-factor 3 --config min.insync.replicas=2 >/dev/null
ktool 1 kafka-topics.sh --bootstrap-server broker-1:9092 --describe --topic "$TOPIC" | sed 's/^/    /'
mark "create topic RF=3" "$t"

t=$(now_us)
# The console producer's own defaults (request timeout 1.5s, 3 retries) are too short to
# ride out a leader fail-over; with these, sends wait for the new leader instead.
produce() { # N first last
  seq "$2" "$3" | sed 's/^/msg-/' | ktool_in "$1" kafka-console-producer.sh --bootstrap-server "broker-$1:9092" \
    --topic "$TOPIC" --request-required-acks all --request-timeout-ms 30000 --message-send-max-retries 10
}
produce 1 1 5
mark "produce 5 (acks=all)" "$t"

consume() { # N count -> sorted messages, read through broker N
  ktool "$1" kafka-console-consumer.sh --bootstrap-server "broker-$1:9092" --topic "$TOPIC" \
    --from-beginning --max-messages "$2" --timeout-ms 60000 2>/dev/null | sort -V
}
t=$(now_us)
got=$(consume 3 5) || true
[[ $got == "$(seq 1 5 | sed 's/^/msg-/')" ]] || fail "consumed '$got', expected msg-1..msg-5"
mark "consume 5" "$t"

# ------------------------------------------------------------------ kill + restart broker-2
wait_until "ISR of $TOPIC complete" fully_replicated 1
meta_before=$(ktool 2 cat /var/lib/kafka/data/meta.properties)
bytes_before=$(segment_bytes 2)
[[ $bytes_before -gt 0 ]] || fail "broker-2 holds no data for $TOPIC before the kill"
say "broker-2 before kill: $bytes_before bytes of $TOPIC segments; meta.properties:"
# shellcheck disable=SC2001
sed 's/^/    /' <<<"$meta_before"

t=$(now_us)
docker kill "$(cname 2)" >/dev/null
say "killed $(cname 2) (SIGKILL); producing msg-6..10 with broker-2 down"
produce 1 6 10
mark "produce 5 with broker-2 down" "$t"

t=$(now_us)
docker start "$(cname 2)" >/dev/null
wait_until "broker-2 registered again" all_registered 1
mark "broker-2 restart -> registered" "$t"
wait_until "broker-2 back in every ISR" fully_replicated 1
mark "broker-2 restart -> ISR complete" "$t"

meta_after=$(ktool 2 cat /var/lib/kafka/data/meta.properties)
bytes_after=$(segment_bytes 2)
formats=$(docker logs "$(cname 2)" 2>&1 | grep -c 'Formatting storage' || true)
skips=$(docker logs "$(cname 2)" 2>&1 | grep -c 'Storage already formatted' || true)
say "broker-2 after restart: $bytes_after bytes of $TOPIC segments; formatted $formats time(s), skipped formatting $skips time(s)"
[[ $meta_after == "$meta_before" ]] || fail "broker-2 meta.properties changed across the restart"
[[ $formats == 1 && $skips == 1 ]] || fail "expected exactly one format (first start) and one skip (restart)"
[[ $bytes_after -gt $bytes_before ]] || fail "broker-2 did not keep/catch up its data ($bytes_before -> $bytes_after bytes)"
t=$(now_us)
got=$(consume 2 10) || true
[[ $got == "$(seq 1 10 | sed 's/^/msg-/')" ]] || fail "consumed '$got' through broker-2, expected msg-1..msg-10"
mark "consume 10 via broker-2" "$t"

# ------------------------------------------------------------------ clean shutdown on docker stop
t=$(now_us)
docker stop -t 60 "$(cname 3)" >/dev/null
mark "docker stop broker-3" "$t"
code=$(docker inspect --format '{{.State.ExitCode}}' "$(cname 3)")
logs3=$(docker logs "$(cname 3)" 2>&1)
if grep -q 'Terminating process due to signal SIGTERM' <<<"$logs3" &&
  grep -q '\[BrokerServer id=3\] shut down completed' <<<"$logs3" &&
  grep -q 'App info kafka.server for 3 unregistered' <<<"$logs3"; then
  say "broker-3 shut down cleanly on SIGTERM (exit code $code)"
else
  tail -15 <<<"$logs3" | sed 's/^/    /'
  fail "broker-3 did not log a completed shutdown after docker stop (exit code $code)"
fi

FAILED=0
say "timings:"
for line in "${TIMINGS[@]}"; do say "  $line"; done
say "  $(printf '%-34s %8s' total "$(fmt_s $(($(now_us) - T0)))")"
say "PASS: Kafka $KAFKA_VERSION image $IMAGE: 3-node KRaft cluster, RF=3 topic, kill/restart without reformat, clean stop"
