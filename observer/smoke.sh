#!/usr/bin/env bash
# Smoke test of the ldfi observer against a real 3-broker KRaft cluster (image ldfi/kafka:local).
#
#   observer/smoke.sh            # builds the observer if needed, runs everything, cleans up
#
# What it does: starts 3 combined broker+controller containers on a private docker network
# (10.213.250.0/24, brokers at .11 .12 .13:9092, reached directly from the host), creates a
# topic with the image's own TopicCommand, produces a few records, runs a consumer group,
# drives the observer over its stdin/stdout protocol (ping, brokers, snapshot), docker-kills
# the active KRaft controller, shows that snapshots still answer (errors, shrunken ISR, moved
# leaders), restarts it and waits for the ISR to be whole again. Containers and the network are
# removed on every exit path. Needs docker, jq, java 17, mvn. Takes about 2-3 minutes.
# Names: containers $NET-b1..3 on network $NET, NET=${LDFI_OBS_TEST_PREFIX:-ldfi-observer-test},
# subnet ${LDFI_OBS_TEST_SUBNET:-10.213.250}.0/24. See also smoke-pause.sh (snapshots during
# paused / killed / isolated brokers).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE="${LDFI_KAFKA_IMAGE:-ldfi/kafka:local}"
NET="${LDFI_OBS_TEST_PREFIX:-ldfi-observer-test}"
SUBNET="${LDFI_OBS_TEST_SUBNET:-10.213.250}.0/24"
PREFIX="${LDFI_OBS_TEST_SUBNET:-10.213.250}.1"   # broker N is at ${PREFIX}N
CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk
NAME="$NET-b"                # container of broker N is ${NAME}N
TOPIC=smoke
GROUP=smoke-group
BOOTSTRAP="${PREFIX}1:9092,${PREFIX}2:9092,${PREFIX}3:9092"

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'smoke: FAIL: %s\n' "$*" >&2; exit 1; }

for tool in docker jq java mvn; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found"
done
docker image inspect "$IMAGE" >/dev/null 2>&1 || die "image $IMAGE not found (build it with scripts/build-kafka-image.sh)"

OBS_PID=""
cleanup() {
    local rc=$?
    set +e
    if [[ -n "$OBS_PID" ]] && kill -0 "$OBS_PID" 2>/dev/null; then
        kill "$OBS_PID" 2>/dev/null
        wait "$OBS_PID" 2>/dev/null
    fi
    for n in 1 2 3; do docker rm -f "${NAME}$n" >/dev/null 2>&1; done
    docker network rm "$NET" >/dev/null 2>&1
    [[ -n "${WORK:-}" ]] && rm -rf "$WORK"
    if [[ $rc -eq 0 ]]; then echo "smoke: OK" >&2; else echo "smoke: exit $rc (cleaned up)" >&2; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$here/build.sh"
WORK="$(mktemp -d)"

# ---- cluster ---------------------------------------------------------------------------------
log "starting 3 KRaft brokers on $NET ($SUBNET)"
for n in 1 2 3; do docker rm -f "${NAME}$n" >/dev/null 2>&1 || true; done
docker network rm "$NET" >/dev/null 2>&1 || true
docker network create --label ldfi.project=ldfi --subnet "$SUBNET" "$NET" >/dev/null
for n in 1 2 3; do
    docker run -d --name "${NAME}$n" --hostname "broker-$n" --label ldfi.project=ldfi \
        --network "$NET" --ip "${PREFIX}$n" \
        -e KAFKA_NODE_ID=$n \
        -e KAFKA_PROCESS_ROLES=broker,controller \
        -e KAFKA_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093 \
        -e KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://${PREFIX}$n:9092 \
        -e KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER \
        -e KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT \
        -e KAFKA_INTER_BROKER_LISTENER_NAME=PLAINTEXT \
        -e KAFKA_CONTROLLER_QUORUM_VOTERS=1@${PREFIX}1:9093,2@${PREFIX}2:9093,3@${PREFIX}3:9093 \
        -e CLUSTER_ID=$CLUSTER_ID \
        -e "KAFKA_HEAP_OPTS=-Xmx512m -Xms512m" \
        -e KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=3 \
        -e KAFKA_BROKER_SESSION_TIMEOUT_MS=6000 \
        -e KAFKA_BROKER_HEARTBEAT_INTERVAL_MS=1000 \
        -e KAFKA_REPLICA_LAG_TIME_MAX_MS=10000 \
        "$IMAGE" >/dev/null
done

# ---- observer --------------------------------------------------------------------------------
mkfifo "$WORK/in" "$WORK/out"
java -cp "$here/target/ldfi-observer.jar:$here/target/lib/*" ldfi.observer.Observer "$BOOTSTRAP" \
    <"$WORK/in" >"$WORK/out" 2>"$WORK/observer.stderr" &
OBS_PID=$!
exec 3>"$WORK/in" 4<"$WORK/out"

LAST=""      # last response line
LAST_MS=0    # its latency
ID=0
req() {      # req JSON-without-id -> sends it with the next id, sets LAST, LAST_MS
    local t0 t1 line
    ID=$((ID + 1))
    line=$(jq -c --argjson id "$ID" '{id: $id} + .' <<<"$1")
    t0=$(date +%s%N)
    printf '%s\n' "$line" >&3
    IFS= read -r -t 120 LAST <&4 || die "observer gave no answer to $1"
    t1=$(date +%s%N)
    LAST_MS=$(( (t1 - t0) / 1000000 ))
}
show() { printf '%s  [%d ms]\n' "$LAST" "$LAST_MS"; }

req "{\"op\":\"ping\"}"
show
jq -e '.ok == true and .result == {}' <<<"$LAST" >/dev/null || die "ping"

log "waiting for every broker to list all 3 brokers (brokers op)"
deadline=$((SECONDS + 180))
for n in 1 2 3; do
    while :; do
        req "{\"op\":\"brokers\",\"bootstrap\":\"${PREFIX}$n:9092\",\"timeout_ms\":2000}"
        if jq -e '.ok and (.result.brokers | length) == 3' <<<"$LAST" >/dev/null; then break; fi
        (( SECONDS < deadline )) || die "broker $n not ready: $LAST"
        sleep 2
    done
done
show

# Kafka's own tools inside a broker container: the image's kafka-*.sh launchers run
# org.apache.kafka.tools.* (TopicCommand, ConsoleProducer, ConsoleConsumer) with a small
# heap and WARN logging to stderr.
kexec() { # kexec N TOOL.sh ARGS...
    local n=$1; shift
    docker exec "${NAME}$n" "$@"
}

log "creating topic $TOPIC (3 partitions, RF 3, min.insync.replicas 2) with TopicCommand"
kexec 1 kafka-topics.sh --bootstrap-server "${PREFIX}1:9092" --create \
    --topic "$TOPIC" --partitions 3 --replication-factor 3 --config min.insync.replicas=2

log "producing 30 records"
seq 1 30 | docker exec -i "${NAME}1" kafka-console-producer.sh --bootstrap-server "${PREFIX}1:9092" --topic "$TOPIC" \
    --producer-property acks=all >/dev/null

log "starting a consumer in group $GROUP (stays a member; commits offsets)"
docker exec -d "${NAME}3" kafka-console-consumer.sh --bootstrap-server "${PREFIX}3:9092" \
    --topic "$TOPIC" --group "$GROUP" --from-beginning --consumer-property auto.commit.interval.ms=500

SNAP="{\"op\":\"snapshot\",\"topics\":[\"$TOPIC\",\"no-such-topic\"],\"groups\":[\"$GROUP\",\"no-such-group\"]}"
snap() { req "$SNAP"; }

log "waiting for the group to be STABLE with committed offsets"
deadline=$((SECONDS + 120))
while :; do
    snap
    if jq -e '.ok and (.result.groups[] | select(.group == "'"$GROUP"'")
              | .state == "STABLE" and ([.committed[].offset] | add // 0) == 30)' <<<"$LAST" >/dev/null; then break; fi
    (( SECONDS < deadline )) || die "group not stable: $LAST"
    sleep 2
done
log "healthy snapshot latency (5 requests)"
for i in 1 2 3 4 5; do snap; printf '%d ms\n' "$LAST_MS"; done
show
jq -e '.result.controller.leader_id >= 1 and (.result.brokers == [1,2,3])
       and (.result.partitions | length) == 3 and all(.result.partitions[]; .isr == [1,2,3]
       and .high_watermark != null and (.replica_logs | length) == 3)' <<<"$LAST" >/dev/null \
    || die "unexpected healthy snapshot"

VICTIM=$(jq -r '.result.controller.leader_id' <<<"$LAST")
log "docker kill broker $VICTIM (the active KRaft controller)"
docker kill "${NAME}$VICTIM" >/dev/null
snap
show
log "snapshots right after the kill (latency, errors)"
for i in 1 2 3; do snap; printf '%d ms, %d errors\n' "$LAST_MS" "$(jq '.result.errors | length' <<<"$LAST")"; done

log "waiting for broker $VICTIM to leave every ISR and the controller to move"
deadline=$((SECONDS + 90))
while :; do
    snap
    if jq -e --argjson v "$VICTIM" '.ok and .result.controller != null and .result.controller.leader_id != $v
            and all(.result.partitions[]; (.isr | index($v)) == null and .leader != $v and .leader != null)' \
            <<<"$LAST" >/dev/null; then break; fi
    (( SECONDS < deadline )) || die "ISR did not shrink: $LAST"
    sleep 3
done
show
log "degraded snapshot latency (5 requests)"
for i in 1 2 3 4 5; do snap; printf '%d ms, %d errors\n' "$LAST_MS" "$(jq '.result.errors | length' <<<"$LAST")"; done
req "{\"op\":\"brokers\",\"bootstrap\":\"${PREFIX}$VICTIM:9092\",\"timeout_ms\":1500}"
show

log "docker start broker $VICTIM; waiting for full ISRs"
docker start "${NAME}$VICTIM" >/dev/null
deadline=$((SECONDS + 180))
while :; do
    snap
    if jq -e '.ok and (.result.brokers == [1,2,3]) and all(.result.partitions[]; .isr == [1,2,3])
              and all(.result.errors[]; test("no-such-topic"))' <<<"$LAST" >/dev/null; then break; fi
    (( SECONDS < deadline )) || die "cluster did not heal: $LAST"
    sleep 3
done
show

req "{\"op\":\"shutdown\"}"
show
exec 3>&-
rc=0; wait "$OBS_PID" || rc=$?
OBS_PID=""
[[ $rc -eq 0 ]] || die "observer exited $rc"
if [[ -s "$WORK/observer.stderr" ]]; then
    log "observer stderr"; cat "$WORK/observer.stderr" >&2
fi
