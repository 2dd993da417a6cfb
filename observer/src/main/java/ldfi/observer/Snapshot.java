package ldfi.observer;

import static ldfi.observer.Observer.F;
import static ldfi.observer.Observer.describe;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeLogDirsOptions;
import org.apache.kafka.clients.admin.DescribeMetadataQuorumOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * One {@code snapshot} request: a best-effort, bounded-time picture of the cluster.
 *
 * <p>All independent Admin calls are issued at once (phase 1: cluster, quorum, topics,
 * groups, committed offsets; phase 2, which needs the partition and broker lists: offsets
 * and log dirs), so a snapshot costs about two round trips when healthy and about two
 * timeouts when some broker is unreachable. Each failure becomes one line of
 * {@code errors}; the fields it would have filled stay null / empty.
 */
final class Snapshot {
    /** Extra wait beyond the Admin call timeout, so the Admin's own timeout fires first. */
    private static final long GRACE_MS = 500;

    private static final Comparator<TopicPartition> TP_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final Admin admin;
    private final int timeoutMs;
    private final List<String> errors = new ArrayList<>();
    private long deadline;

    Snapshot(Admin admin, int timeoutMs) {
        this.admin = admin;
        this.timeoutMs = timeoutMs;
    }

    ObjectNode run(List<String> topics, List<String> groups) {
        // ---- phase 1 -------------------------------------------------------------------
        startPhase();
        DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs));
        KafkaFuture<QuorumInfo> quorum = admin.describeMetadataQuorum(
                new DescribeMetadataQuorumOptions().timeoutMs(timeoutMs)).quorumInfo();
        Map<String, KafkaFuture<TopicDescription>> topicFutures = topics.isEmpty() ? Map.of()
                : admin.describeTopics(topics, new DescribeTopicsOptions().timeoutMs(timeoutMs)).topicNameValues();
        Map<String, KafkaFuture<ConsumerGroupDescription>> groupFutures = groups.isEmpty() ? Map.of()
                : admin.describeConsumerGroups(groups, new DescribeConsumerGroupsOptions().timeoutMs(timeoutMs))
                        .describedGroups();
        ListConsumerGroupOffsetsResult committedResult = null;
        if (!groups.isEmpty()) {
            Map<String, ListConsumerGroupOffsetsSpec> specs = new LinkedHashMap<>();
            for (String g : groups) {
                specs.put(g, new ListConsumerGroupOffsetsSpec());
            }
            committedResult = admin.listConsumerGroupOffsets(specs,
                    new ListConsumerGroupOffsetsOptions().timeoutMs(timeoutMs));
        }

        TreeSet<Integer> brokers = new TreeSet<>();
        Collection<Node> nodes = get(cluster.nodes(), "describeCluster");
        if (nodes != null) {
            for (Node n : nodes) {
                brokers.add(n.id());
            }
        }

        ObjectNode controller = null;
        QuorumInfo q = get(quorum, "describeMetadataQuorum");
        if (q != null) {
            controller = F.objectNode();
            controller.put("leader_id", q.leaderId());
            controller.put("leader_epoch", q.leaderEpoch());
            controller.put("high_watermark", q.highWatermark());
            controller.set("voters", replicaStates(q.voters()));
            controller.set("observers", replicaStates(q.observers()));
        }

        TreeMap<TopicPartition, TopicPartitionInfo> partitions = new TreeMap<>(TP_ORDER);
        for (String t : topics) {
            TopicDescription d = get(topicFutures.get(t), "describeTopics(" + t + ")");
            if (d != null) {
                for (TopicPartitionInfo p : d.partitions()) {
                    partitions.put(new TopicPartition(t, p.partition()), p);
                }
            }
        }

        // ---- phase 2 -------------------------------------------------------------------
        startPhase();
        Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> earliest = Map.of();
        Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> latest = Map.of();
        Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> stable = Map.of();
        Map<Integer, KafkaFuture<Map<String, LogDirDescription>>> logDirs = Map.of();
        if (!partitions.isEmpty()) {
            earliest = listOffsets(partitions.keySet(), OffsetSpec.earliest(), IsolationLevel.READ_UNCOMMITTED);
            latest = listOffsets(partitions.keySet(), OffsetSpec.latest(), IsolationLevel.READ_UNCOMMITTED);
            stable = listOffsets(partitions.keySet(), OffsetSpec.latest(), IsolationLevel.READ_COMMITTED);
            // Live brokers per describeCluster; if that failed, every replica we know of.
            TreeSet<Integer> logBrokers = new TreeSet<>(brokers);
            if (logBrokers.isEmpty()) {
                for (TopicPartitionInfo p : partitions.values()) {
                    for (Node n : p.replicas()) {
                        logBrokers.add(n.id());
                    }
                }
            }
            if (!logBrokers.isEmpty()) {
                logDirs = admin.describeLogDirs(logBrokers, new DescribeLogDirsOptions().timeoutMs(timeoutMs))
                        .descriptions();
            }
        }

        // replica_logs: (topic-partition) -> broker -> info, from every broker that answered
        Map<TopicPartition, TreeMap<Integer, ReplicaInfo>> replicaLogs = new HashMap<>();
        for (Map.Entry<Integer, KafkaFuture<Map<String, LogDirDescription>>> e : new TreeMap<>(logDirs).entrySet()) {
            int broker = e.getKey();
            Map<String, LogDirDescription> dirs = get(e.getValue(), "describeLogDirs(broker " + broker + ")");
            if (dirs == null) {
                continue;
            }
            for (Map.Entry<String, LogDirDescription> dir : new TreeMap<>(dirs).entrySet()) {
                LogDirDescription desc = dir.getValue();
                if (desc.error() != null) {
                    errors.add("describeLogDirs(broker " + broker + ", " + dir.getKey() + "): " + describe(desc.error()));
                }
                for (Map.Entry<TopicPartition, ReplicaInfo> r : desc.replicaInfos().entrySet()) {
                    if (r.getValue().isFuture() || !partitions.containsKey(r.getKey())) {
                        continue;
                    }
                    replicaLogs.computeIfAbsent(r.getKey(), k -> new TreeMap<>()).put(broker, r.getValue());
                }
            }
        }

        ArrayNode partArray = F.arrayNode();
        for (Map.Entry<TopicPartition, TopicPartitionInfo> e : partitions.entrySet()) {
            TopicPartition tp = e.getKey();
            TopicPartitionInfo info = e.getValue();
            ObjectNode p = partArray.addObject();
            p.put("topic", tp.topic());
            p.put("partition", tp.partition());
            Node leader = info.leader();
            if (leader == null || leader.isEmpty() || leader.id() < 0) {
                p.putNull("leader");
            } else {
                p.put("leader", leader.id());
            }
            p.set("replicas", ids(info.replicas()));
            p.set("isr", ids(info.isr()));
            p.set("elr", ids(info.elr()));
            putOffset(p, "log_start_offset", earliest.get(tp), "listOffsets(earliest, " + tp + ")");
            putOffset(p, "high_watermark", latest.get(tp), "listOffsets(latest, " + tp + ")");
            putOffset(p, "last_stable_offset", stable.get(tp), "listOffsets(latest read_committed, " + tp + ")");
            ArrayNode logs = p.putArray("replica_logs");
            for (Map.Entry<Integer, ReplicaInfo> r : replicaLogs.getOrDefault(tp, new TreeMap<>()).entrySet()) {
                ObjectNode l = logs.addObject();
                l.put("broker", r.getKey());
                l.put("size_bytes", r.getValue().size());
                l.put("offset_lag", r.getValue().offsetLag());
            }
        }

        ArrayNode groupArray = F.arrayNode();
        for (String g : new TreeSet<>(groups)) {
            groupArray.add(group(g, groupFutures.get(g), committedResult));
        }

        ObjectNode result = F.objectNode();
        ArrayNode brokerArray = result.putArray("brokers");
        brokers.forEach(brokerArray::add);
        if (controller == null) {
            result.putNull("controller");
        } else {
            result.set("controller", controller);
        }
        result.set("partitions", partArray);
        result.set("groups", groupArray);
        ArrayNode errArray = result.putArray("errors");
        errors.forEach(errArray::add);
        return result;
    }

    private ObjectNode group(String g, KafkaFuture<ConsumerGroupDescription> future,
            ListConsumerGroupOffsetsResult committedResult) {
        ObjectNode o = F.objectNode();
        o.put("group", g);
        ConsumerGroupDescription d = null;
        boolean notFound = false;
        try {
            d = future.get(remaining(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                notFound = true; // Kafka's word for a group that does not exist: report it DEAD
            } else {
                errors.add("describeConsumerGroups(" + g + "): " + describeWait(e));
            }
        }
        if (d != null) {
            o.put("state", d.groupState() == null ? "UNKNOWN" : d.groupState().name());
            Node c = d.coordinator();
            if (c == null || c.isEmpty() || c.id() < 0) {
                o.putNull("coordinator");
            } else {
                o.put("coordinator", c.id());
            }
        } else {
            if (notFound) {
                o.put("state", "DEAD");
            } else {
                o.putNull("state");
            }
            o.putNull("coordinator");
        }
        ArrayNode members = o.putArray("members");
        if (d != null) {
            List<MemberDescription> ms = new ArrayList<>(d.members());
            ms.sort(Comparator.comparing(MemberDescription::consumerId));
            for (MemberDescription m : ms) {
                ObjectNode mo = members.addObject();
                mo.put("member_id", m.consumerId());
                mo.put("client_id", m.clientId());
                mo.put("host", m.host());
                ArrayNode as = mo.putArray("assignment");
                List<TopicPartition> tps = new ArrayList<>(
                        m.assignment() == null ? List.of() : m.assignment().topicPartitions());
                tps.sort(TP_ORDER);
                for (TopicPartition tp : tps) {
                    as.addObject().put("topic", tp.topic()).put("partition", tp.partition());
                }
            }
        }
        ArrayNode committed = o.putArray("committed");
        if (committedResult != null) {
            Map<TopicPartition, OffsetAndMetadata> offsets = null;
            try {
                offsets = committedResult.partitionsToOffsetAndMetadata(g).get(remaining(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    errors.add("listConsumerGroupOffsets(" + g + "): " + describeWait(e));
                }
            }
            if (offsets != null) {
                TreeMap<TopicPartition, OffsetAndMetadata> sorted = new TreeMap<>(TP_ORDER);
                offsets.forEach((tp, om) -> {
                    if (om != null) {
                        sorted.put(tp, om);
                    }
                });
                sorted.forEach((tp, om) -> committed.addObject()
                        .put("topic", tp.topic()).put("partition", tp.partition()).put("offset", om.offset()));
            }
        }
        return o;
    }

    private Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> listOffsets(
            Collection<TopicPartition> tps, OffsetSpec spec, IsolationLevel isolation) {
        Map<TopicPartition, OffsetSpec> req = new LinkedHashMap<>();
        for (TopicPartition tp : tps) {
            req.put(tp, spec);
        }
        ListOffsetsResult r = admin.listOffsets(req, new ListOffsetsOptions(isolation).timeoutMs(timeoutMs));
        Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> m = new HashMap<>();
        for (TopicPartition tp : tps) {
            m.put(tp, r.partitionResult(tp));
        }
        return m;
    }

    private void putOffset(ObjectNode p, String field,
            KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo> f, String what) {
        ListOffsetsResult.ListOffsetsResultInfo info = f == null ? null : get(f, what);
        if (info == null || info.offset() < 0) {
            p.putNull(field);
        } else {
            p.put(field, info.offset());
        }
    }

    private static ArrayNode replicaStates(List<QuorumInfo.ReplicaState> states) {
        List<QuorumInfo.ReplicaState> sorted = new ArrayList<>(states);
        sorted.sort(Comparator.comparingInt(QuorumInfo.ReplicaState::replicaId));
        ArrayNode a = F.arrayNode();
        for (QuorumInfo.ReplicaState s : sorted) {
            a.addObject().put("id", s.replicaId()).put("log_end_offset", s.logEndOffset());
        }
        return a;
    }

    private static ArrayNode ids(List<Node> nodes) {
        TreeSet<Integer> s = new TreeSet<>();
        if (nodes != null) {
            for (Node n : nodes) {
                if (n != null && n.id() >= 0) {
                    s.add(n.id());
                }
            }
        }
        ArrayNode a = F.arrayNode();
        s.forEach(a::add);
        return a;
    }

    private void startPhase() {
        deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs + GRACE_MS);
    }

    private long remaining() {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /** The future's value, or null after recording why not. */
    private <T> T get(KafkaFuture<T> f, String what) {
        if (f == null) {
            errors.add(what + ": no result");
            return null;
        }
        try {
            return f.get(remaining(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            errors.add(what + ": " + describeWait(e));
            return null;
        }
    }

    private static String describeWait(Exception e) {
        if (e instanceof TimeoutException) {
            return "TimeoutException: no answer within the snapshot deadline";
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return describe(e);
    }
}
