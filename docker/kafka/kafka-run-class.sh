#!/usr/bin/env bash
# Launcher for Kafka's command-line tools inside the ldfi Kafka image.
#
#   kafka-run-class.sh CLASS [ARGS...]     run any main class on the Kafka classpath
#   kafka-topics.sh ARGS...                (and the other names below; they are symlinks
#                                           to this script, as in the official image's
#                                           /opt/kafka/bin)
#   kafka-run-class.sh --candidates        print "name candidate-class..." (used by the
#                                           image build to resolve classes per version)
#
# Tools log at WARN to stderr (KAFKA_TOOLS_LOG4J_LOGLEVEL overrides the level), so stdout
# carries only the tool's own output. The broker's KAFKA_HEAP_OPTS / KAFKA_OPTS are
# deliberately NOT used, so `docker exec <broker> kafka-topics.sh ...` does not inherit
# the broker's heap or JMX settings; use LDFI_KAFKA_TOOL_HEAP_OPTS (default -Xmx256m),
# LDFI_KAFKA_TOOL_JVM_OPTS and LDFI_KAFKA_TOOL_OPTS instead.
set -euo pipefail

KAFKA_DIR=/opt/kafka

# name, then candidate classes (first one present in the jars wins; newest layout first)
TOOLS='
kafka-topics.sh org.apache.kafka.tools.TopicCommand
kafka-console-producer.sh org.apache.kafka.tools.ConsoleProducer kafka.tools.ConsoleProducer
kafka-console-consumer.sh org.apache.kafka.tools.consumer.ConsoleConsumer kafka.tools.ConsoleConsumer
kafka-metadata-quorum.sh org.apache.kafka.tools.MetadataQuorumCommand
kafka-storage.sh kafka.tools.StorageTool
kafka-broker-api-versions.sh org.apache.kafka.tools.BrokerApiVersionsCommand
kafka-consumer-groups.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
kafka-get-offsets.sh org.apache.kafka.tools.GetOffsetShell
kafka-cluster.sh org.apache.kafka.tools.ClusterTool
kafka-configs.sh org.apache.kafka.tools.ConfigCommand kafka.admin.ConfigCommand
kafka-features.sh org.apache.kafka.tools.FeatureCommand
kafka-leader-election.sh org.apache.kafka.tools.LeaderElectionCommand
kafka-reassign-partitions.sh org.apache.kafka.tools.reassign.ReassignPartitionsCommand
kafka-log-dirs.sh org.apache.kafka.tools.LogDirsCommand
kafka-dump-log.sh org.apache.kafka.tools.DumpLogSegments kafka.tools.DumpLogSegments
kafka-producer-perf-test.sh org.apache.kafka.tools.ProducerPerformance
kafka-consumer-perf-test.sh org.apache.kafka.tools.ConsumerPerformance
kafka-transactions.sh org.apache.kafka.tools.TransactionsCommand
kafka-verifiable-producer.sh org.apache.kafka.tools.VerifiableProducer
kafka-verifiable-consumer.sh org.apache.kafka.tools.VerifiableConsumer
kafka-delete-records.sh org.apache.kafka.tools.DeleteRecordsCommand
kafka-acls.sh org.apache.kafka.tools.AclCommand kafka.admin.AclCommand
kafka-e2e-latency.sh org.apache.kafka.tools.EndToEndLatency
kafka-replica-verification.sh org.apache.kafka.tools.ReplicaVerificationTool
kafka-jmx.sh org.apache.kafka.tools.JmxTool
kafka-client-metrics.sh org.apache.kafka.tools.ClientMetricsCommand
kafka-delegation-tokens.sh org.apache.kafka.tools.DelegationTokenCommand
kafka-groups.sh org.apache.kafka.tools.GroupsCommand
'
# Written at image build time: "name class" lines resolved against the shipped jars.
RESOLVED="$KAFKA_DIR/bin/tool-classes"

name=$(basename "$0")
case "$name" in
  kafka-run-class.sh | kafka-run-class)
    if [[ ${1:-} == --candidates ]]; then
      printf '%s' "$TOOLS" | sed '/^$/d'
      exit 0
    fi
    if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
      echo "usage: kafka-run-class.sh CLASS [ARGS...] | --candidates" >&2
      exit 2
    fi
    class=$1
    shift
    ;;
  *)
    class=""
    if [[ -r $RESOLVED ]]; then
      class=$(awk -v n="$name" '$1 == n { print $2; exit }' "$RESOLVED")
    fi
    if [[ -z $class ]]; then
      class=$(printf '%s\n' "$TOOLS" | awk -v n="$name" '$1 == n { print $2; exit }')
    fi
    if [[ -z $class ]]; then
      echo "kafka-run-class.sh: unknown tool '$name'" >&2
      exit 2
    fi
    ;;
esac

JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck disable=SC2086
exec "$JAVA_BIN" ${LDFI_KAFKA_TOOL_HEAP_OPTS:--Xmx256m} \
  ${LDFI_KAFKA_TOOL_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true} \
  "-Dlog4j2.configurationFile=${LDFI_KAFKA_TOOL_LOG4J_CONFIG:-$KAFKA_DIR/config/tools-log4j2.properties}" \
  ${LDFI_KAFKA_TOOL_OPTS:-} \
  -cp "$KAFKA_DIR/libs/*" "$class" "$@"
