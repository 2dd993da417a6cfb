#!/usr/bin/env bash
# ldfi Kafka entrypoint: a dependency-free stand-in for the official apache/kafka
# image's start-up scripts, for images built by scripts/build-kafka-image.sh.
#
# Environment interface (same as the official image):
#   KAFKA_NODE_ID, KAFKA_PROCESS_ROLES, KAFKA_LISTENERS, KAFKA_ADVERTISED_LISTENERS,
#   KAFKA_CONTROLLER_QUORUM_VOTERS, KAFKA_CONTROLLER_LISTENER_NAMES,
#   KAFKA_LISTENER_SECURITY_PROTOCOL_MAP, CLUSTER_ID, and every other KAFKA_* variable:
#   KAFKA_ is stripped, the rest is lowercased and `___` -> `-`, `__` -> `_`, `_` -> `.`
#   (e.g. KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=3 -> offsets.topic.replication.factor=3).
#   JVM / logging variables are NOT turned into properties:
#   KAFKA_HEAP_OPTS (default "-Xmx512m -Xms512m"), KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS,
#   KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS, KAFKA_JMX_PORT, KAFKA_JMX_HOSTNAME, KAFKA_LOG4J_OPTS,
#   KAFKA_LOG4J_ROOT_LOGLEVEL, KAFKA_LOG4J_LOGGERS ("logger=LEVEL,logger=LEVEL"),
#   KAFKA_TOOLS_LOG4J_LOGLEVEL, KAFKA_VERSION, KAFKA_HOME, KAFKA_DEBUG.
#   Unset/empty variables get the official image's single-node defaults, except that
#   log.dirs defaults to /var/lib/kafka/data (see apply_defaults below).
#
# ldfi extras: LDFI_KAFKA_FORMAT_ARGS (extra args for `kafka-storage format`, e.g.
#   "--standalone" for a dynamic quorum), LDFI_KAFKA_PRINT_CONFIG=0 (do not echo the
#   generated server.properties).
#
# Arguments: none -> start the server; VAR=value ... -> export them, then start the
# server (like the official image); anything else -> exec it (e.g. `bash`,
# `kafka-topics.sh ...`).
#
# Storage is formatted on the first start only: a restarted container (docker kill +
# docker start) keeps its log dirs and meta.properties and is never reformatted.
set -euo pipefail

KAFKA_DIR=/opt/kafka
CONFIG_DIR="$KAFKA_DIR/config"
PROPS_FILE="$CONFIG_DIR/server.properties"
USER_CONFIG_DIR=/mnt/shared/config
JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { echo "===> $*"; }
die() { echo "ldfi-kafka: ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- arguments
if [[ $# -gt 0 ]]; then
  all_assignments=1
  for arg in "$@"; do
    [[ $arg =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || all_assignments=0
  done
  if [[ $all_assignments == 1 ]]; then
    log "Overriding env params with args ..."
    for arg in "$@"; do export "${arg?}"; done
  else
    exec "$@"
  fi
fi

# ---------------------------------------------------------------- defaults
set_default() { # NAME VALUE
  if [[ -z "${!1:-}" ]]; then
    log "$1 not set, using default: \"$2\""
    export "$1=$2"
  fi
}

apply_defaults() {
  set_default CLUSTER_ID "5L6g3nShT-eMCtK--X86sw"
  set_default KAFKA_NODE_ID 1
  set_default KAFKA_PROCESS_ROLES "broker,controller"
  set_default KAFKA_CONTROLLER_LISTENER_NAMES "CONTROLLER"
  set_default KAFKA_LISTENER_SECURITY_PROTOCOL_MAP "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT"
  if [[ -z "${KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS:-}" ]]; then
    set_default KAFKA_CONTROLLER_QUORUM_VOTERS "1@localhost:29093"
  fi
  if [[ $KAFKA_PROCESS_ROLES == "controller" ]]; then
    if [[ -n "${KAFKA_ADVERTISED_LISTENERS:-}" ]]; then
      die "KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller (KAFKA_PROCESS_ROLES=controller)."
    fi
    unset KAFKA_ADVERTISED_LISTENERS
    set_default KAFKA_LISTENERS "CONTROLLER://0.0.0.0:9093"
  elif [[ -z "${KAFKA_LISTENERS:-}" ]]; then
    if [[ -n "${KAFKA_ADVERTISED_LISTENERS:-}" ]]; then
      # As the official image: listen on all interfaces on the advertised ports.
      local derived first_ctrl
      # shellcheck disable=SC2001
      derived=$(echo "$KAFKA_ADVERTISED_LISTENERS" | sed -e 's|://[^:]*:|://0.0.0.0:|g')
      first_ctrl=${KAFKA_CONTROLLER_LISTENER_NAMES%%,*}
      if [[ $KAFKA_PROCESS_ROLES == *controller* && ",$derived" != *",$first_ctrl://"* ]]; then
        derived="$derived,$first_ctrl://0.0.0.0:9093"
      fi
      log "KAFKA_LISTENERS not set, derived from KAFKA_ADVERTISED_LISTENERS: \"$derived\""
      export KAFKA_LISTENERS="$derived"
    else
      set_default KAFKA_LISTENERS "PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:9092"
      set_default KAFKA_ADVERTISED_LISTENERS "PLAINTEXT://localhost:29092,PLAINTEXT_HOST://localhost:9092"
    fi
  fi
  set_default KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR 1
  set_default KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS 0
  set_default KAFKA_TRANSACTION_STATE_LOG_MIN_ISR 1
  set_default KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR 1
  set_default KAFKA_LOG_DIRS "/var/lib/kafka/data"
}

# ---------------------------------------------------------------- env -> properties
# Variables with the KAFKA_ prefix that configure the JVM/launcher, not the server.
EXCLUDED=" KAFKA_VERSION KAFKA_HEAP_OPTS KAFKA_HEAP_OPT KAFKA_LOG4J_OPTS KAFKA_OPTS KAFKA_JMX_OPTS
  KAFKA_JMX_PORT KAFKA_JMX_HOSTNAME KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS
  KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_HOME
  KAFKA_DEBUG KAFKA_CLASSPATH "

env_to_key() { # KAFKA_FOO___BAR__BAZ_QUX -> foo-bar_baz.qux
  local k=${1#KAFKA_}
  k=${k//___/$'\x01'}
  k=${k//__/$'\x02'}
  k=${k//_/.}
  k=${k//$'\x01'/-}
  k=${k//$'\x02'/_}
  printf '%s' "${k,,}"
}

render_properties() {
  local name
  while IFS= read -r name; do
    [[ $name == KAFKA_* ]] || continue
    [[ $EXCLUDED == *" $name "* ]] && continue
    [[ -n "${!name}" ]] || continue
    printf '%s=%s\n' "$(env_to_key "$name")" "${!name}"
  done < <(compgen -e | LC_ALL=C sort)
}

# ---------------------------------------------------------------- logging
server_log4j_opts() {
  if [[ -n "${KAFKA_LOG4J_OPTS:-}" ]]; then
    echo "$KAFKA_LOG4J_OPTS"
    return
  fi
  local cfg="$CONFIG_DIR/log4j2.properties"
  if [[ -n "${KAFKA_LOG4J_LOGGERS:-}" ]]; then
    # "kafka.controller=WARN,org.apache.kafka.raft=DEBUG" -> extra log4j2 loggers
    local gen="$CONFIG_DIR/log4j2-runtime.properties" entry lname level i=0
    cp "$cfg" "$gen"
    IFS=',' read -r -a entries <<<"$KAFKA_LOG4J_LOGGERS"
    for entry in "${entries[@]}"; do
      entry=${entry// /}
      [[ $entry == *=* ]] || continue
      lname=${entry%%=*}; level=${entry#*=}; i=$((i + 1))
      printf 'logger.env%d.name = %s\nlogger.env%d.level = %s\n' "$i" "$lname" "$i" "$level" >>"$gen"
    done
    cfg=$gen
  fi
  echo "-Dlog4j2.configurationFile=$cfg"
}

# ---------------------------------------------------------------- storage
log_dirs() {
  local dirs=${KAFKA_LOG_DIRS:-${KAFKA_LOG_DIR:-}}
  tr ',' '\n' <<<"$dirs"
  [[ -n "${KAFKA_METADATA_LOG_DIR:-}" ]] && echo "$KAFKA_METADATA_LOG_DIR"
  return 0
}

format_storage_if_needed() {
  local d missing=0 existing
  while IFS= read -r d; do
    [[ -n $d ]] || continue
    mkdir -p "$d" || die "cannot create log dir $d"
    if [[ -f "$d/meta.properties" ]]; then
      existing=$(sed -n 's/^cluster\.id=//p' "$d/meta.properties")
      if [[ -n $existing && $existing != "$CLUSTER_ID" ]]; then
        echo "ldfi-kafka: WARNING: $d was formatted for cluster $existing, CLUSTER_ID is $CLUSTER_ID" >&2
      fi
    else
      missing=1
    fi
  done < <(log_dirs)
  if [[ $missing == 0 ]]; then
    log "Storage already formatted (meta.properties present), not formatting."
    return
  fi
  log "Formatting storage with cluster id $CLUSTER_ID ..."
  # shellcheck disable=SC2086
  "$JAVA_BIN" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    "-Dlog4j2.configurationFile=$CONFIG_DIR/tools-log4j2.properties" \
    -cp "$KAFKA_DIR/libs/*" kafka.tools.StorageTool format \
    --cluster-id "$CLUSTER_ID" --config "$PROPS_FILE" --ignore-formatted \
    ${LDFI_KAFKA_FORMAT_ARGS:-} ||
    die "kafka-storage format failed (cluster id '$CLUSTER_ID', config $PROPS_FILE)"
}

# ---------------------------------------------------------------- main
log "ldfi Kafka ${KAFKA_VERSION:-?} entrypoint"
apply_defaults
mkdir -p "$CONFIG_DIR"
rm -f "$PROPS_FILE"
if [[ -d $USER_CONFIG_DIR ]]; then
  # Official image: files under /mnt/shared/config are copied over the config dir and
  # env-derived properties are appended to the user's server.properties.
  log "Copying user config from $USER_CONFIG_DIR"
  cp -R "$USER_CONFIG_DIR/." "$CONFIG_DIR/"
fi
{
  echo "# generated by ldfi entrypoint from KAFKA_* environment variables"
  render_properties
} >>"$PROPS_FILE"

if [[ ${LDFI_KAFKA_PRINT_CONFIG:-1} != 0 ]]; then
  log "server.properties:"
  sed -E 's/^([^#=]*(password|secret|jaas)[^=]*)=.*/\1=[hidden]/I; s/^/    /' "$PROPS_FILE"
fi

format_storage_if_needed

: "${KAFKA_HEAP_OPTS:=-Xmx512m -Xms512m}"
: "${KAFKA_JVM_PERFORMANCE_OPTS:=-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
JMX_OPTS=${KAFKA_JMX_OPTS:-}
if [[ -n "${KAFKA_JMX_PORT:-}" ]]; then
  jmx_host=${KAFKA_JMX_HOSTNAME:-$(hostname -i | cut -d' ' -f1)}
  JMX_OPTS="${JMX_OPTS:--Dcom.sun.management.jmxremote=true -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false} -Djava.rmi.server.hostname=$jmx_host -Dcom.sun.management.jmxremote.local.only=false -Dcom.sun.management.jmxremote.rmi.port=$KAFKA_JMX_PORT -Dcom.sun.management.jmxremote.port=$KAFKA_JMX_PORT"
fi
LOG4J_OPTS=$(server_log4j_opts)

log "Launching Kafka (node ${KAFKA_NODE_ID}, roles ${KAFKA_PROCESS_ROLES}) ..."
# Word splitting of the *_OPTS variables is intended (same as kafka-run-class.sh).
# shellcheck disable=SC2086
exec "$JAVA_BIN" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_GC_LOG_OPTS:-} \
  $JMX_OPTS $LOG4J_OPTS ${KAFKA_OPTS:-} \
  -cp "$KAFKA_DIR/libs/*" kafka.Kafka "$PROPS_FILE"
