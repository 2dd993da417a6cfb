#!/usr/bin/env bash
# Fault-time check of the observer's `snapshot` against a real 3-broker KRaft cluster (image
# ldfi/kafka:local): snapshots must keep answering, complete, while one broker is paused,
# killed, or cut off from the other brokers, which is exactly when the harness needs them.
#
#   observer/smoke-pause.sh      # builds the observer if needed, runs every round, cleans up
#
# Cluster as the harness starts it (combined broker+controller nodes, static IPs on a private
# docker network, broker.session.timeout.ms=6000, broker.heartbeat.interval.ms=1000,
# replica.lag.time.max.ms=10000), reached directly from the host. A topic (3 partitions, RF 3)
# gets 30 records, a consumer group commits them and leaves (state EMPTY). Then, per round
# (LDFI_OBS_TEST_ROUNDS, default all of "pause:follower pause:controller kill:follower
# kill:controller isolate:follower isolate:controller"; the victim is the active KRaft
# controller or another broker):
#   * fault: `docker pause` / `docker kill` / iptables DROP between the victim and the other
#     brokers in their network namespaces (the host still reaches every broker);
#   * one snapshot a second for LDFI_OBS_TEST_SECS (40) seconds, one line each, and checks:
#       - every snapshot answers ok within timeout_ms + 1.5 s, and `brokers` is never empty;
#       - when the victim is not the controller, `controller` is never null;
#       - from LDFI_OBS_TEST_SETTLE_S (15) seconds on (the victim is fenced after 6-13 s,
#         a new controller having to be elected first when the victim was the controller):
#         brokers = the 2 healthy ones, a controller other than the victim, every partition
#         led by a healthy broker with the victim out of its ISR and a high watermark, the
#         group EMPTY with its 30 committed offsets, and no error but the no-such-topic one;
#   * undo (`docker unpause` / `docker start` / rules removed) and one snapshot a second until
#     the cluster is whole again (3 brokers, full ISRs, no errors), within 120 s.
# Latencies (min / median / max) are printed per round: before and after fencing, recovery.
# Violations are collected and reported at the end (exit 1). Containers and the network are
# removed on every exit path. Needs docker, jq, java 17, mvn, and root with nsenter+iptables
# for the isolate rounds. Takes about 10 minutes with all rounds.
#
# Names: containers $P-b1..3 and network $P, P=${LDFI_OBS_TEST_PREFIX:-ldfi-observer-pause},
# subnet ${LDFI_OBS_TEST_SUBNET:-10.213.249}.0/24 (brokers at .11 .12 .13).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE="${LDFI_KAFKA_IMAGE:-ldfi/kafka:local}"
P="${LDFI_OBS_TEST_PREFIX:-ldfi-observer-pause}"
NET="$P"
NAME="$P-b"                  # container of broker N is ${NAME}N
SUBNET3="${LDFI_OBS_TEST_SUBNET:-10.213.249}"
PREFIX="$SUBNET3.1"          # broker N is at ${PREFIX}N
CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk
TOPIC=faults
GROUP=faults-group
RECORDS=30
TIMEOUT_MS="${LDFI_OBS_TEST_TIMEOUT_MS:-3000}"
SECS="${LDFI_OBS_TEST_SECS:-40}"
SETTLE_S="${LDFI_OBS_TEST_SETTLE_S:-15}"
ROUNDS="${LDFI_OBS_TEST_ROUNDS:-pause:follower pause:controller kill:follower kill:controller isolate:follower isolate:controller}"
MAX_MS=$((TIMEOUT_MS + 1500))
BOOTSTRAP="${PREFIX}1:9092,${PREFIX}2:9092,${PREFIX}3:9092"

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'smoke-pause: FAIL: %s\n' "$*" >&2; exit 1; }

for tool in docker jq java mvn; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found"
done
if [[ "$ROUNDS" == *isolate* ]]; then
    for tool in nsenter iptables; do
        command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (needed by the isolate rounds)"
    done
    [[ $(id -u) -eq 0 ]] || die "the isolate rounds need root (iptables in the brokers' namespaces)"
fi
docker image inspect "$IMAGE" >/dev/null 2>&1 || die "image $IMAGE not found (build it with scripts/build-kafka-image.sh)"

OBS_PID=""
VIOLATIONS=()
cleanup() {
    local rc=$?
    set +e
    if [[ -n "$OBS_PID" ]] && kill -0 "$OBS_PID" 2>/dev/null; then
        kill "$OBS_PID" 2>/dev/null
        wait "$OBS_PID" 2>/dev/null
    fi
    for n in 1 2 3; do
        docker unpause "${NAME}$n" >/dev/null 2>&1
        docker rm -f "${NAME}$n" >/dev/null 2>&1
    done
    docker network rm "$NET" >/dev/null 2>&1
    [[ -n "${WORK:-}" ]] && rm -rf "$WORK"
    if [[ $rc -eq 0 ]]; then echo "smoke-pause: OK" >&2; else echo "smoke-pause: exit $rc (cleaned up)" >&2; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$here/build.sh"
WORK="$(mktemp -d)"

# ---- cluster ---------------------------------------------------------------------------------
log "starting 3 KRaft brokers on $NET ($SUBNET3.0/24)"
for n in 1 2 3; do docker rm -f "${NAME}$n" >/dev/null 2>&1 || true; done
docker network rm "$NET" >/dev/null 2>&1 || true
docker network create --label ldfi.project=ldfi --subnet "$SUBNET3.0/24" "$NET" >/dev/null
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
        -e "KAFKA_JVM_PERFORMANCE_OPTS=-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true" \
        -e KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=3 \
        -e KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0 \
        -e KAFKA_BROKER_SESSION_TIMEOUT_MS=6000 \
        -e KAFKA_BROKER_HEARTBEAT_INTERVAL_MS=1000 \
        -e KAFKA_REPLICA_LAG_TIME_MAX_MS=10000 \
        "$IMAGE" >/dev/null
done

# ---- observer (with the harness's JVM options) -----------------------------------------------
mkfifo "$WORK/in" "$WORK/out"
java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -cp "$here/target/ldfi-observer.jar:$here/target/lib/*" ldfi.observer.Observer "$BOOTSTRAP" \
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
    jq -e --argjson id "$ID" '.id == $id' <<<"$LAST" >/dev/null || die "answer to request $ID has another id: $LAST"
}
SNAP=$(jq -cn --arg t "$TOPIC" --arg g "$GROUP" --argjson ms "$TIMEOUT_MS" \
    '{op: "snapshot", topics: [$t, "no-such-topic"], groups: [$g, "no-such-group"], timeout_ms: $ms}')
snap() { req "$SNAP"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { printf '%d.%d' $(( $1 / 1000 )) $(( ($1 % 1000) / 100 )); }   # ms -> seconds, 1 decimal

req '{"op":"ping"}'
jq -e '.ok == true' <<<"$LAST" >/dev/null || die "ping: $LAST"

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

log "topic $TOPIC (3 partitions, RF 3, min.insync.replicas 2), $RECORDS records, group $GROUP commits them"
docker exec "${NAME}1" kafka-topics.sh --bootstrap-server "${PREFIX}1:9092" --create \
    --topic "$TOPIC" --partitions 3 --replication-factor 3 --config min.insync.replicas=2
seq 1 "$RECORDS" | docker exec -i "${NAME}1" kafka-console-producer.sh --bootstrap-server "${PREFIX}1:9092" \
    --topic "$TOPIC" --producer-property acks=all >/dev/null
docker exec "${NAME}1" kafka-console-consumer.sh --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" \
    --group "$GROUP" --from-beginning --max-messages "$RECORDS" --timeout-ms 60000 >/dev/null

# ---- checks (jq over LAST) -------------------------------------------------------------------
# The whole cluster, healthy: 3 brokers, a controller, full ISRs, offsets, the group, no error
# but the no-such-topic one.
whole() {
    jq -e --arg g "$GROUP" --argjson n "$RECORDS" '.ok and .result.brokers == [1,2,3] and .result.controller != null
        and (.result.partitions | length) == 3
        and all(.result.partitions[]; .isr == [1,2,3] and .leader != null and .high_watermark != null
                and (.replica_logs | length) == 3)
        and ((.result.groups[] | select(.group == $g)) as $x
             | $x.state == "EMPTY" and ([$x.committed[].offset] | add // 0) == $n)
        and all(.result.errors[]; test("no-such-topic"))' <<<"$LAST" >/dev/null
}
# The victim fenced out, everything else readable.
fenced_out() {
    jq -e --arg g "$GROUP" --argjson n "$RECORDS" --argjson v "$VICTIM" --argjson healthy "$HEALTHY" '
        .ok and .result.brokers == $healthy and .result.controller != null and .result.controller.leader_id != $v
        and (.result.partitions | length) == 3
        and all(.result.partitions[]; .leader != null and .leader != $v and (.isr | any(. == $v) | not)
                and .high_watermark != null)
        and ((.result.groups[] | select(.group == $g)) as $x
             | $x.state == "EMPTY" and ([$x.committed[].offset] | add // 0) == $n)
        and all(.result.errors[]; test("no-such-topic"))' <<<"$LAST" >/dev/null
}
line() { # one line about LAST
    jq -r --arg g "$GROUP" '.result as $r | if .ok | not then "ERROR \(.error)" else
        "brokers=\($r.brokers | tostring) ctrl=\(if $r.controller then "\($r.controller.leader_id)/e\($r.controller.leader_epoch)" else "null" end)"
        + " leaders=\([$r.partitions[] | .leader | tostring] | join(","))"
        + " isr=\([$r.partitions[] | .isr | tostring] | join(""))"
        + " hw=\([$r.partitions[] | .high_watermark | tostring] | join(","))"
        + " logs=\([$r.partitions[] | .replica_logs | length | tostring] | join(","))"
        + " group=\([$r.groups[] | select(.group == $g) | "\(.state)@\(.coordinator)/\([.committed[].offset] | add // 0)"] | join(""))"
        + " errors=\($r.errors | length)"
        + ([$r.errors[] | select(test("no-such-topic") | not)] | if length > 0 then " [" + (.[0:3] | join(" | ") | .[0:300]) + "]" else "" end)
        end' <<<"$LAST"
}
violation() { VIOLATIONS+=("$ROUND: $*"); printf '    !! %s\n' "$*"; }
stats() { # stats NAME ms... -> "NAME: n=.. min=.. median=.. max=.. ms"
    local name=$1; shift
    if [[ $# -eq 0 ]]; then printf '  %-26s n=0\n' "$name"; return; fi
    local sorted; sorted=($(printf '%s\n' "$@" | sort -n))
    printf '  %-26s n=%-3d min=%-5d median=%-5d max=%d ms\n' "$name" $# "${sorted[0]}" "${sorted[$(( $# / 2 ))]}" "${sorted[$(( $# - 1 ))]}"
}

wait_whole() { # wait_whole WHAT SECONDS -> snapshots once a second until whole; echoes lines
    local what=$1 limit=$2 t0 t n=0
    t0=$(now_ms)
    REC_LAT=()
    while :; do
        snap
        t=$(( $(now_ms) - t0 ))
        REC_LAT+=("$LAST_MS")
        (( LAST_MS <= MAX_MS )) || violation "$what: snapshot took $LAST_MS ms (> $MAX_MS)"
        n=$((n + 1))
        if whole; then
            printf '  +%5ss %5d ms  %s\n' "$(secs "$t")" "$LAST_MS" "$(line)"
            WHOLE_AFTER=$t
            return 0
        fi
        if (( n == 1 || n % 5 == 0 )); then printf '  +%5ss %5d ms  %s\n' "$(secs "$t")" "$LAST_MS" "$(line)"; fi
        (( t < limit * 1000 )) || return 1
        sleep 1
    done
}

pid_of() { docker inspect -f '{{.State.Pid}}' "${NAME}$1"; }
isolation() { # isolation -A|-D VICTIM: drop packets between the victim and the other brokers (both ends)
    local op=$1 v=$2 n vpid npid
    vpid=$(pid_of "$v")
    for n in 1 2 3; do
        [[ $n == "$v" ]] && continue
        npid=$(pid_of "$n")
        nsenter -t "$vpid" -n iptables -w "$op" INPUT -s "${PREFIX}$n" -j DROP
        nsenter -t "$vpid" -n iptables -w "$op" OUTPUT -d "${PREFIX}$n" -j DROP
        nsenter -t "$npid" -n iptables -w "$op" INPUT -s "${PREFIX}$v" -j DROP
        nsenter -t "$npid" -n iptables -w "$op" OUTPUT -d "${PREFIX}$v" -j DROP
    done
}
fault() {
    case "$1" in
        pause) docker pause "${NAME}$VICTIM" >/dev/null ;;
        kill) docker kill "${NAME}$VICTIM" >/dev/null ;;
        isolate) isolation -A "$VICTIM" ;;
    esac
}
heal() {
    case "$1" in
        pause) docker unpause "${NAME}$VICTIM" >/dev/null ;;
        kill) docker start "${NAME}$VICTIM" >/dev/null ;;
        isolate) isolation -D "$VICTIM" ;;
    esac
}

ROUND="setup"
log "waiting for a whole cluster (group EMPTY with $RECORDS committed offsets)"
wait_whole "setup" 180 || die "cluster not whole: $LAST"
log "healthy snapshot latency (10 snapshots)"
HEALTHY_LAT=()
for i in $(seq 1 10); do
    snap
    HEALTHY_LAT+=("$LAST_MS")
    whole || violation "healthy snapshot not whole: $(line)"
done
printf '%s\n' "$LAST" | jq -c .
stats "healthy" "${HEALTHY_LAT[@]}"

SUMMARY=()
for ROUND in $ROUNDS; do
    mode=${ROUND%%:*} role=${ROUND##*:}
    log "round $ROUND"
    wait_whole "before" 180 || die "cluster not whole before round $ROUND: $LAST"
    CTRL=$(jq -r '.result.controller.leader_id' <<<"$LAST")
    if [[ $role == controller ]]; then
        VICTIM=$CTRL
    else
        VICTIM=$(jq -r --argjson c "$CTRL" '[.result.brokers[] | select(. != $c)][0]' <<<"$LAST")
    fi
    HEALTHY=$(jq -cn --argjson v "$VICTIM" '[1,2,3] | map(select(. != $v))')
    echo "  controller is $CTRL; victim: broker $VICTIM; $mode at +0.0s"
    PRE=() POST=() first_ok=""
    t0=$(now_ms)
    fault "$mode"
    for i in $(seq 0 $((SECS - 1))); do
        snap
        t=$(( $(now_ms) - t0 ))
        ts=$(secs "$t")
        printf '  +%5ss %5d ms  %s\n' "$ts" "$LAST_MS" "$(line)"
        jq -e '.ok' <<<"$LAST" >/dev/null || violation "+${ts}s: snapshot failed: $LAST"
        (( LAST_MS <= MAX_MS )) || violation "+${ts}s: snapshot took $LAST_MS ms (> $MAX_MS)"
        jq -e '(.result.brokers | length) > 0' <<<"$LAST" >/dev/null || violation "+${ts}s: no brokers"
        if [[ $role == follower ]]; then
            jq -e '.result.controller != null' <<<"$LAST" >/dev/null || violation "+${ts}s: no controller"
        fi
        if fenced_out; then
            [[ -n "$first_ok" ]] || first_ok=$ts
        fi
        if (( t >= SETTLE_S * 1000 )); then
            POST+=("$LAST_MS")
            fenced_out || violation "+${ts}s: not the fenced-out picture: $(line)"
        else
            PRE+=("$LAST_MS")
        fi
        next=$(( t0 + (i + 1) * 1000 ))
        wait_ms=$(( next - $(now_ms) ))
        if (( wait_ms > 0 )); then sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"; fi
    done
    echo "  last snapshot under the fault:"
    printf '%s\n' "$LAST" | jq -c .
    log "round $ROUND: heal ($mode undone), waiting for the whole cluster"
    heal "$mode"
    WHOLE_AFTER=""
    wait_whole "recovery" 120 || violation "cluster not whole 120 s after healing: $(line)"
    echo "  round $ROUND summary (victim $VICTIM, controller before: $CTRL):"
    stats "before fencing (<${SETTLE_S}s)" "${PRE[@]}"
    stats "after fencing (>=${SETTLE_S}s)" "${POST[@]}"
    stats "recovery" "${REC_LAT[@]}"
    echo "  fenced-out picture first seen at +${first_ok:-never}s; whole again $(secs "${WHOLE_AFTER:-0}") s after healing"
    SUMMARY+=("$ROUND: victim $VICTIM, fenced-out from +${first_ok:-never}s, whole $(secs "${WHOLE_AFTER:-0}")s after heal; $(stats pre "${PRE[@]}" | xargs); $(stats post "${POST[@]}" | xargs)")
done

ROUND="end"
req "{\"op\":\"brokers\",\"bootstrap\":\"${PREFIX}1:9092\",\"timeout_ms\":2000}"
jq -e '.ok and (.result.brokers | length) == 3' <<<"$LAST" >/dev/null || violation "brokers op: $LAST"
req '{"op":"shutdown"}'
exec 3>&-
rc=0; wait "$OBS_PID" || rc=$?
OBS_PID=""
[[ $rc -eq 0 ]] || violation "observer exited $rc"
if [[ -s "$WORK/observer.stderr" ]]; then
    log "observer stderr"; cat "$WORK/observer.stderr" >&2
fi

log "summary"
stats "healthy" "${HEALTHY_LAT[@]}"
printf '  %s\n' "${SUMMARY[@]}"
if [[ ${#VIOLATIONS[@]} -gt 0 ]]; then
    log "${#VIOLATIONS[@]} violation(s)"
    printf '  %s\n' "${VIOLATIONS[@]}" >&2
    die "see the violations above"
fi
