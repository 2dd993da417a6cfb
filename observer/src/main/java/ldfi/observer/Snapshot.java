package ldfi.observer;

import static ldfi.observer.Observer.F;
import static ldfi.observer.Observer.describe;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.internals.AdminApiHandler;
import org.apache.kafka.clients.admin.internals.CoordinatorKey;
import org.apache.kafka.clients.admin.internals.DescribeConsumerGroupsHandler;
import org.apache.kafka.clients.admin.internals.ListConsumerGroupOffsetsHandler;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.LeaderNotAvailableException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;
import org.apache.kafka.common.requests.DescribeQuorumRequest;
import org.apache.kafka.common.requests.DescribeQuorumResponse;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.ListTransactionsResponse;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.common.utils.internals.LogContext;

/**
 * One {@code snapshot} request: a bounded-time picture of the cluster that stays complete
 * while any single broker is paused, killed, or cut off from the other brokers.
 *
 * <p><b>Phase 1, cluster-wide questions, asked of every broker at once.</b> DescribeCluster
 * (registered, unfenced brokers) and DescribeTopicPartitions (leader, replicas, ISR, ELR of
 * the topics, plus {@code __consumer_offsets} when groups are asked for) are answered by each
 * broker from its own copy of the metadata log. They go to every known broker in parallel,
 * and an answer is taken as soon as a majority of the brokers give the same one: a paused or
 * dead broker is simply not waited for, and a broker cut off from the quorum, whose
 * metadata is frozen at the moment of the cut, is outvoted. Brokers that answered are asked
 * again every 100 ms while they disagree (an update still propagating). Only if no majority
 * forms before timeout_ms does the most common answer win (and {@code errors} says so).
 * DescribeQuorum (the active controller and its view of the voters) is sent to every broker,
 * which forwards it to the active controller, and straight to every KRaft controller known
 * from earlier answers (only the active one answers; see {@link Cluster} for why forwarding
 * alone is not enough); the answer with the highest leader epoch wins. Once the controllers
 * are known, the snapshot waits only until a majority of them have replied directly (the
 * active one with its state, the others with NOT_LEADER_OR_FOLLOWER); a new controller
 * needs the votes of a majority, so it is among them. Without that, it waits for a majority
 * of the brokers' forwards, or {@value #QUORUM_LINGER_MS} ms after the first answer.
 *
 * <p><b>Phase 2, questions for one broker</b>, started as soon as phase 1 has settled, each
 * sent straight to the broker concerned: ListOffsets (earliest, latest, latest
 * read_committed) to each partition's leader, DescribeLogDirs to each registered broker,
 * and the group calls (described with Kafka's own Admin request handlers, so that the
 * output matches Admin's) to each group's coordinator, i.e. the leader of its
 * {@code __consumer_offsets} partition. So an unreachable broker only costs the answers only
 * it can give: its log dirs, the offsets of the partitions it still leads, the groups it
 * still coordinates (until the controller fences it and leadership moves).
 *
 * <p>Time: phase 1 ends at the latest after timeout_ms; phase 2 gets what is left of it, but
 * at least min(timeout_ms, 1 s). Healthy, a snapshot costs a few round trips. Each failure
 * becomes one line of {@code errors}; the fields it would have filled stay null / empty.
 */
final class Snapshot {
    static final String OFFSETS_TOPIC = "__consumer_offsets";
    /**
     * The transaction log: a transactional producer's coordinator is the leader of the partition
     * its transactional.id hashes to, as a group's coordinator is for {@code __consumer_offsets}.
     */
    static final String TRANSACTIONS_TOPIC = "__transaction_state";
    /** Transaction states in which a producer is between begin and end of a transaction. */
    private static final Set<String> OPEN_TRANSACTION = Set.of("Ongoing", "PrepareCommit", "PrepareAbort");
    private static final TopicPartition METADATA_PARTITION = new TopicPartition("__cluster_metadata", 0);
    /** Phase 2 gets at least this long (or timeout_ms if smaller). */
    private static final long PHASE2_MIN_MS = 1000;
    /** Beyond the last request deadline, for results to be handed over. */
    private static final long GRACE_MS = 200;
    /** Re-asking / retrying period. */
    private static final long RETRY_MS = 100;
    /** After the first quorum answer, how long to wait at most for a majority to reply once all else is done. */
    private static final long QUORUM_LINGER_MS = 100;
    private static final LogContext LOG_CONTEXT = new LogContext("[ldfi-observer] ");
    /** LDFI_OBSERVER_TRACE set: one line per snapshot on stderr with the time of each phase. */
    private static final boolean TRACE = System.getenv("LDFI_OBSERVER_TRACE") != null;

    private static final Comparator<TopicPartition> TP_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final Cluster cluster;
    private final int timeoutMs;
    private final List<String> errors = new ArrayList<>();
    /** Answers of phase 1, handled on the calling thread only. */
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();

    Snapshot(Cluster cluster, int timeoutMs) {
        this.cluster = cluster;
        this.timeoutMs = timeoutMs;
    }

    // ---- views: what one broker says ------------------------------------------------------

    private record BrokerNode(int id, String host, int port) {
    }

    private record ClusterView(List<BrokerNode> brokers) {
        String key() {
            return brokers.stream().map(b -> b.id + "@" + b.host + ":" + b.port).collect(Collectors.joining(","));
        }
    }

    private record PartState(int partition, int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
            List<Integer> elr) {
    }

    private record TopicState(short error, List<PartState> partitions) {
    }

    private record TopicsView(TreeMap<String, TopicState> topics) {
        String key() {
            return topics.toString();
        }
    }

    private record Replica(int id, long logEndOffset) {
    }

    private record QuorumView(int leaderId, int leaderEpoch, long highWatermark, List<Replica> voters,
            List<Replica> observers) {
    }

    private record Outcome<T>(T value, Throwable error) {
        static <T> Outcome<T> ok(T v) {
            return new Outcome<>(v, null);
        }

        static <T> Outcome<T> failed(Throwable e) {
            Throwable t = cause(e);
            return new Outcome<>(null, t != null ? t : new IllegalStateException("unknown error"));
        }
    }

    private record LogDir(String path, Throwable error, Map<TopicPartition, long[]> replicas) {
    }

    // ---- the snapshot ---------------------------------------------------------------------

    ObjectNode run(List<String> topics, List<String> groups) throws InterruptedException {
        long t0 = System.nanoTime();
        long d1 = t0 + ms(timeoutMs);
        List<Cluster.Endpoint> targets = cluster.targets();
        List<Cluster.Endpoint> quorumTargets = new ArrayList<>(targets);
        quorumTargets.addAll(cluster.controllers());

        List<String> topicNames = new ArrayList<>(new TreeSet<>(topics));
        if (!groups.isEmpty() && !topicNames.contains(OFFSETS_TOPIC)) {
            topicNames.add(OFFSETS_TOPIC);
        }
        if (!groups.isEmpty() && !topicNames.contains(TRANSACTIONS_TOPIC)) {
            topicNames.add(TRANSACTIONS_TOPIC);
        }

        // ---- phase 1 ------------------------------------------------------------------------
        Question<ClusterView> qc = new Question<>("describeCluster", targets, this::describeCluster,
                ClusterView::key, Comparator.comparingLong(a -> a.at));
        Question<TopicsView> qt = topicNames.isEmpty() ? null
                : new Question<>("describeTopics", targets, (ep, d) -> describeTopics(ep, topicNames, d),
                        TopicsView::key, Comparator.comparingLong(a -> a.at));
        Question<QuorumView> qq = new Question<>("describeMetadataQuorum", quorumTargets, this::describeQuorum,
                v -> "", Comparator.<Answer<QuorumView>>comparingInt(a -> a.value.leaderEpoch)
                        .thenComparingLong(a -> a.value.highWatermark).thenComparingLong(a -> a.at));
        qc.askAll(d1);
        if (qt != null) {
            qt.askAll(d1);
        }
        qq.askAll(d1);
        while (qc.agreed() == null || (qt != null && qt.agreed() == null)) {
            long now = System.nanoTime();
            if (now >= d1) {
                break;
            }
            handleEvents(Math.min(RETRY_MS, millis(d1 - now)));
            if (qc.agreed() == null) {
                qc.askIdleAgain(d1, true);
            }
            if (qt != null && qt.agreed() == null) {
                qt.askIdleAgain(d1, true);
            }
            if (qq.successes() == 0) {
                qq.askIdleAgain(d1, false);
            }
        }

        long t1 = System.nanoTime();
        TreeSet<Integer> brokers = new TreeSet<>();
        Answer<ClusterView> ca = settle(qc);
        if (ca != null) {
            ca.value.brokers.forEach(b -> brokers.add(b.id));
        }
        TreeMap<String, TopicState> described = new TreeMap<>();
        if (qt != null) {
            Answer<TopicsView> ta = settle(qt);
            if (ta != null) {
                described.putAll(ta.value.topics);
            } else {
                for (String t : topics) {
                    errors.add("describeTopics(" + t + "): " + qt.failures());
                }
            }
        }
        TreeMap<TopicPartition, PartState> partitions = new TreeMap<>(TP_ORDER);
        for (String t : topics) {
            TopicState s = described.get(t);
            if (s == null) {
                continue;
            }
            if (s.error != Errors.NONE.code()) {
                errors.add("describeTopics(" + t + "): " + describe(Errors.forCode(s.error).exception()));
                continue;
            }
            for (PartState p : s.partitions) {
                partitions.put(new TopicPartition(t, p.partition), p);
            }
        }

        // ---- phase 2 ------------------------------------------------------------------------
        long d2 = Math.max(d1, System.nanoTime() + ms(Math.min(timeoutMs, PHASE2_MIN_MS)));
        List<CompletableFuture<?>> all = new ArrayList<>();

        // offsets: per leader, three lists
        Map<TopicPartition, Outcome<Long>> earliest = new HashMap<>();
        Map<TopicPartition, Outcome<Long>> latest = new HashMap<>();
        Map<TopicPartition, Outcome<Long>> stable = new HashMap<>();
        Map<Integer, List<TopicPartition>> byLeader = new TreeMap<>();
        for (Map.Entry<TopicPartition, PartState> e : partitions.entrySet()) {
            int leader = e.getValue().leader;
            if (leader < 0) {
                Outcome<Long> none = Outcome.failed(new LeaderNotAvailableException("the partition has no leader"));
                earliest.put(e.getKey(), none);
                latest.put(e.getKey(), none);
                stable.put(e.getKey(), none);
            } else {
                byLeader.computeIfAbsent(leader, k -> new ArrayList<>()).add(e.getKey());
            }
        }
        List<CompletableFuture<Map<TopicPartition, Outcome<Long>>>> offsetTasks = new ArrayList<>();
        List<Map<TopicPartition, Outcome<Long>>> offsetSinks = new ArrayList<>();
        List<List<TopicPartition>> offsetAsked = new ArrayList<>();
        for (Map.Entry<Integer, List<TopicPartition>> e : byLeader.entrySet()) {
            Cluster.Endpoint ep = cluster.endpoint(e.getKey());
            List<TopicPartition> tps = e.getValue();
            offsetTasks.add(task(() -> listOffsets(ep, e.getKey(), tps, ListOffsetsRequest.EARLIEST_TIMESTAMP,
                    IsolationLevel.READ_UNCOMMITTED, d2)));
            offsetSinks.add(earliest);
            offsetTasks.add(task(() -> listOffsets(ep, e.getKey(), tps, ListOffsetsRequest.LATEST_TIMESTAMP,
                    IsolationLevel.READ_UNCOMMITTED, d2)));
            offsetSinks.add(latest);
            offsetTasks.add(task(() -> listOffsets(ep, e.getKey(), tps, ListOffsetsRequest.LATEST_TIMESTAMP,
                    IsolationLevel.READ_COMMITTED, d2)));
            offsetSinks.add(stable);
            offsetAsked.add(tps);
            offsetAsked.add(tps);
            offsetAsked.add(tps);
        }
        all.addAll(offsetTasks);

        // log dirs: every registered broker; if describeCluster failed, every replica we know of
        Map<Integer, CompletableFuture<Outcome<List<LogDir>>>> logDirs = new TreeMap<>();
        if (!partitions.isEmpty()) {
            TreeSet<Integer> logBrokers = new TreeSet<>(brokers);
            if (logBrokers.isEmpty()) {
                partitions.values().forEach(p -> logBrokers.addAll(p.replicas));
            }
            for (int b : logBrokers) {
                Cluster.Endpoint ep = cluster.endpoint(b);
                logDirs.put(b, task(() -> describeLogDirs(ep, b, d2)));
            }
        }
        all.addAll(logDirs.values());

        // transactions: every broker lists those it coordinates
        Map<Integer, CompletableFuture<Outcome<List<ListTransactionsResponseData.TransactionState>>>> txLists =
                new TreeMap<>();
        if (!groups.isEmpty()) {
            for (int b : brokers) {
                Cluster.Endpoint ep = cluster.endpoint(b);
                txLists.put(b, task(() -> listTransactions(ep, b, d2)));
            }
        }
        all.addAll(txLists.values());

        // groups: by coordinator (leader of the group's __consumer_offsets partition)
        Map<String, Integer> coordinatorOf = new HashMap<>();
        Map<String, Throwable> noCoordinator = new HashMap<>();
        Set<String> deadGroups = new HashSet<>();
        Map<Integer, Set<String>> groupsBy = new TreeMap<>();
        if (!groups.isEmpty()) {
            TopicState offsetsTopic = described.get(OFFSETS_TOPIC);
            for (String g : groups) {
                if (offsetsTopic == null) {
                    noCoordinator.put(g, new CoordinatorNotAvailableException("unknown, as "
                            + OFFSETS_TOPIC + " could not be described: " + (qt == null ? "" : qt.failures())));
                } else if (offsetsTopic.error == Errors.UNKNOWN_TOPIC_OR_PARTITION.code()) {
                    deadGroups.add(g); // no group has ever existed: their topic has not been created yet
                } else if (offsetsTopic.error != Errors.NONE.code() || offsetsTopic.partitions.isEmpty()) {
                    noCoordinator.put(g, new CoordinatorNotAvailableException(OFFSETS_TOPIC + ": "
                            + describe(Errors.forCode(offsetsTopic.error).exception())));
                } else {
                    int n = offsetsTopic.partitions.size();
                    int index = Utils.abs(g.hashCode()) % n;
                    PartState p = offsetsTopic.partitions.stream().filter(x -> x.partition == index).findFirst()
                            .orElse(null);
                    if (p == null || p.leader < 0) {
                        noCoordinator.put(g, new CoordinatorNotAvailableException(
                                OFFSETS_TOPIC + "-" + index + " has no leader"));
                    } else {
                        coordinatorOf.put(g, p.leader);
                        groupsBy.computeIfAbsent(p.leader, k -> new TreeSet<>()).add(g);
                    }
                }
            }
        }
        Map<Integer, CompletableFuture<Map<String, Outcome<ConsumerGroupDescription>>>> describedGroups =
                new TreeMap<>();
        Map<Integer, CompletableFuture<Map<String, Outcome<Map<TopicPartition, OffsetAndMetadata>>>>> committed =
                new TreeMap<>();
        for (Map.Entry<Integer, Set<String>> e : groupsBy.entrySet()) {
            int c = e.getKey();
            Cluster.Endpoint ep = cluster.endpoint(c);
            Set<String> gs = e.getValue();
            describedGroups.put(c, task(() -> drive(new DescribeConsumerGroupsHandler(false, LOG_CONTEXT),
                    c, ep, gs, d2)));
            Map<String, ListConsumerGroupOffsetsSpec> specs = new LinkedHashMap<>();
            gs.forEach(g -> specs.put(g, new ListConsumerGroupOffsetsSpec()));
            committed.put(c, task(() -> drive(new ListConsumerGroupOffsetsHandler(specs, false, LOG_CONTEXT),
                    c, ep, gs, d2)));
        }
        all.addAll(describedGroups.values());
        all.addAll(committed.values());

        // ---- the quorum answer, while phase 2 runs ----------------------------------------
        CompletableFuture<Void> phase2 = CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
        java.util.concurrent.atomic.AtomicLong p2end = new java.util.concurrent.atomic.AtomicLong();
        phase2.whenComplete((v, e) -> {
            p2end.set(System.nanoTime());
            events.add(() -> { });
        });
        int controllers = quorumTargets.size() - targets.size();
        long firstQuorum = 0;
        while (true) {
            long now = System.nanoTime();
            boolean p2done = phase2.isDone();
            if (qq.successes() > 0 && firstQuorum == 0) {
                firstQuorum = now;
            }
            // The quorum answer is settled once some target answered and: a majority of the
            // controllers asked directly have replied (success or not), or, with no
            // controller known yet, a majority of the brokers' forwards came back; or the rest
            // stayed silent for QUORUM_LINGER_MS; or at the phase 1 deadline. Meanwhile,
            // failed targets are asked again (fast failures while a controller is elected).
            boolean quorumDone = now >= d1 || (firstQuorum != 0 && ((controllers > 0
                    ? qq.replied(targets.size(), quorumTargets.size()) >= controllers / 2 + 1
                    : qq.agreed() != null || !qq.anyBusy())
                    || now - firstQuorum >= ms(QUORUM_LINGER_MS)));
            if (p2done && quorumDone) {
                break;
            }
            long until = p2done ? d1 : d2 + ms(GRACE_MS);
            if (now >= until) {
                break;
            }
            handleEvents(Math.min(RETRY_MS / 2, millis(until - now)));
            if (qq.successes() == 0 && System.nanoTime() < d1) {
                qq.askIdleAgain(d1, false);
            }
        }
        long t2 = System.nanoTime();
        ObjectNode controller = null;
        Answer<QuorumView> qa = qq.agreed() != null ? qq.agreed() : qq.best();
        if (qa == null) {
            errors.add("describeMetadataQuorum: " + qq.failures());
        } else {
            QuorumView q = qa.value;
            controller = F.objectNode();
            controller.put("leader_id", q.leaderId);
            controller.put("leader_epoch", q.leaderEpoch);
            controller.put("high_watermark", q.highWatermark);
            controller.set("voters", replicaStates(q.voters));
            controller.set("observers", replicaStates(q.observers));
        }

        // ---- collect phase 2 ----------------------------------------------------------------
        try {
            phase2.get(Math.max(1, millis(d2 + ms(GRACE_MS) - System.nanoTime())), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // every task reports its own failures; a late one is reported below
        }

        // replica_logs: (topic-partition) -> broker -> {size, lag}, from every broker that answered
        Map<TopicPartition, TreeMap<Integer, long[]>> replicaLogs = new HashMap<>();
        for (Map.Entry<Integer, CompletableFuture<Outcome<List<LogDir>>>> e : logDirs.entrySet()) {
            int broker = e.getKey();
            Outcome<List<LogDir>> o = result(e.getValue());
            if (o.error != null) {
                errors.add("describeLogDirs(broker " + broker + "): " + describe(o.error));
                continue;
            }
            for (LogDir dir : o.value) {
                if (dir.error != null) {
                    errors.add("describeLogDirs(broker " + broker + ", " + dir.path + "): " + describe(dir.error));
                }
                dir.replicas.forEach((tp, sizeLag) -> {
                    if (partitions.containsKey(tp)) {
                        replicaLogs.computeIfAbsent(tp, k -> new TreeMap<>()).put(broker, sizeLag);
                    }
                });
            }
        }
        for (int i = 0; i < offsetTasks.size(); i++) {
            Outcome<Map<TopicPartition, Outcome<Long>>> o = result(offsetTasks.get(i).thenApply(Outcome::ok));
            Map<TopicPartition, Outcome<Long>> sink = offsetSinks.get(i);
            if (o.error != null) {
                offsetAsked.get(i).forEach(tp -> sink.put(tp, Outcome.failed(o.error)));
            } else {
                sink.putAll(o.value);
            }
        }

        ArrayNode partArray = F.arrayNode();
        for (Map.Entry<TopicPartition, PartState> e : partitions.entrySet()) {
            TopicPartition tp = e.getKey();
            PartState info = e.getValue();
            ObjectNode p = partArray.addObject();
            p.put("topic", tp.topic());
            p.put("partition", tp.partition());
            if (info.leader < 0) {
                p.putNull("leader");
            } else {
                p.put("leader", info.leader);
            }
            p.set("replicas", ids(info.replicas));
            p.set("isr", ids(info.isr));
            p.set("elr", ids(info.elr));
            putOffset(p, "log_start_offset", earliest.get(tp), "listOffsets(earliest, " + tp + ")");
            putOffset(p, "high_watermark", latest.get(tp), "listOffsets(latest, " + tp + ")");
            putOffset(p, "last_stable_offset", stable.get(tp), "listOffsets(latest read_committed, " + tp + ")");
            ArrayNode logs = p.putArray("replica_logs");
            for (Map.Entry<Integer, long[]> r : replicaLogs.getOrDefault(tp, new TreeMap<>()).entrySet()) {
                ObjectNode l = logs.addObject();
                l.put("broker", r.getKey());
                l.put("size_bytes", r.getValue()[0]);
                l.put("offset_lag", r.getValue()[1]);
            }
        }

        ArrayNode groupArray = F.arrayNode();
        for (String g : new TreeSet<>(groups)) {
            Integer c = coordinatorOf.get(g);
            Outcome<ConsumerGroupDescription> d;
            Outcome<Map<TopicPartition, OffsetAndMetadata>> o;
            if (deadGroups.contains(g)) {
                d = Outcome.failed(new GroupIdNotFoundException("no group exists yet"));
                o = Outcome.ok(Map.of());
            } else if (c == null) {
                d = Outcome.failed(noCoordinator.get(g));
                o = d.error == null ? Outcome.ok(Map.of()) : Outcome.failed(d.error);
            } else {
                d = groupResult(describedGroups.get(c), g);
                o = groupResult(committed.get(c), g);
            }
            groupArray.add(group(g, c, d, o));
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
        result.set("transactions", transactions(groups, described.get(TRANSACTIONS_TOPIC), txLists));
        ArrayNode errArray = result.putArray("errors");
        errors.forEach(errArray::add);
        if (TRACE) {
            System.err.printf("snapshot: phase 1 %d ms (describeCluster %d/%d answers, describeTopics %s), "
                    + "phase 2 + quorum %d ms (quorum %d/%d answers, first after %d ms; phase 2 %s), total %d ms, "
                    + "%d errors%n",
                    millis(t1 - t0), qc.successes(), targets.size(),
                    qt == null ? "-" : qt.successes() + "/" + targets.size(), millis(t2 - t1), qq.successes(),
                    quorumTargets.size(), firstQuorum == 0 ? -1 : millis(firstQuorum - t0),
                    phase2.isDone() ? millis(p2end.get() - t1) + " ms" : "late", millis(System.nanoTime() - t0),
                    errors.size());
        }
        return result;
    }

    /** The agreed answer of a phase-1 question, else the most common one (noted in errors), else null. */
    private <V> Answer<V> settle(Question<V> q) {
        Answer<V> a = q.agreed();
        if (a != null) {
            return a;
        }
        a = q.best();
        if (a == null) {
            if (!q.what.equals("describeTopics")) { // its failures are reported per topic
                errors.add(q.what + ": " + q.failures());
            }
        } else {
            errors.add(q.what + ": no majority of the " + q.targets.size()
                    + " brokers gave the same answer within the deadline; using the answer of "
                    + q.targets.get(a.target));
        }
        return a;
    }

    private void handleEvents(long waitMs) throws InterruptedException {
        Runnable ev = events.poll(Math.max(1, waitMs), TimeUnit.MILLISECONDS);
        while (ev != null) {
            ev.run();
            ev = events.poll();
        }
    }

    // ---- phase 1: asking everybody ----------------------------------------------------------

    private static final class Answer<V> {
        final V value;
        final long at;
        final int target;

        Answer(V value, long at, int target) {
            this.value = value;
            this.at = at;
            this.target = target;
        }
    }

    /** One question asked of every target; its state is touched on the calling thread only. */
    private final class Question<V> {
        final String what;
        final List<Cluster.Endpoint> targets;
        final BiFunction<Cluster.Endpoint, Long, CompletableFuture<V>> ask;
        final Function<V, String> key;
        final Comparator<Answer<V>> preference;
        final List<Answer<V>> latest = new ArrayList<>();
        final List<Throwable> failure = new ArrayList<>();
        final boolean[] busy;
        final long[] doneAt;

        Question(String what, List<Cluster.Endpoint> targets,
                BiFunction<Cluster.Endpoint, Long, CompletableFuture<V>> ask, Function<V, String> key,
                Comparator<Answer<V>> preference) {
            this.what = what;
            this.targets = targets;
            this.ask = ask;
            this.key = key;
            this.preference = preference;
            this.busy = new boolean[targets.size()];
            this.doneAt = new long[targets.size()];
            for (int i = 0; i < targets.size(); i++) {
                latest.add(null);
                failure.add(null);
            }
        }

        void askAll(long deadline) {
            for (int i = 0; i < targets.size(); i++) {
                send(i, deadline);
            }
        }

        /** Asks again every target that is not busy and answered (or failed) at least RETRY_MS ago. */
        void askIdleAgain(long deadline, boolean alsoAnswered) {
            long now = System.nanoTime();
            if (deadline - now < ms(RETRY_MS)) {
                return;
            }
            for (int i = 0; i < targets.size(); i++) {
                if (!busy[i] && now - doneAt[i] >= ms(RETRY_MS) && (alsoAnswered || latest.get(i) == null)) {
                    send(i, deadline);
                }
            }
        }

        private void send(int i, long deadline) {
            busy[i] = true;
            CompletableFuture<V> f;
            try {
                f = ask.apply(targets.get(i), deadline);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((v, e) -> events.add(() -> {
                busy[i] = false;
                doneAt[i] = System.nanoTime();
                if (e == null) {
                    latest.set(i, new Answer<>(v, doneAt[i], i));
                    failure.set(i, null);
                } else {
                    latest.set(i, null);
                    failure.set(i, cause(e));
                }
            }));
        }

        /** The preferred answer among those a majority of the targets gave, or null. */
        Answer<V> agreed() {
            Map<String, List<Answer<V>>> byKey = byKey();
            for (List<Answer<V>> same : byKey.values()) {
                if (same.size() >= targets.size() / 2 + 1) {
                    return same.stream().max(preference).orElseThrow();
                }
            }
            return null;
        }

        /** The preferred answer among the most common ones, or null if no target answered. */
        Answer<V> best() {
            List<Answer<V>> winner = null;
            for (List<Answer<V>> same : byKey().values()) {
                if (winner == null || same.size() > winner.size()
                        || (same.size() == winner.size() && same.stream().max(preference).orElseThrow().at
                                > winner.stream().max(preference).orElseThrow().at)) {
                    winner = same;
                }
            }
            return winner == null ? null : winner.stream().max(preference).orElseThrow();
        }

        private Map<String, List<Answer<V>>> byKey() {
            Map<String, List<Answer<V>>> m = new LinkedHashMap<>();
            for (Answer<V> a : latest) {
                if (a != null) {
                    m.computeIfAbsent(key.apply(a.value), k -> new ArrayList<>()).add(a);
                }
            }
            return m;
        }

        int successes() {
            return (int) latest.stream().filter(a -> a != null).count();
        }

        boolean anyBusy() {
            return anyBusy(0, busy.length);
        }

        /** How many targets with index in [from, to) have replied (success or failure) and are not asked again. */
        int replied(int from, int to) {
            int n = 0;
            for (int i = from; i < to; i++) {
                if (!busy[i] && (latest.get(i) != null || failure.get(i) != null)) {
                    n++;
                }
            }
            return n;
        }

        /** Whether a target with index in [from, to) still has a question out. */
        boolean anyBusy(int from, int to) {
            for (int i = from; i < to; i++) {
                if (busy[i]) {
                    return true;
                }
            }
            return false;
        }

        /** Why no target answered: "addr: error; addr: still waiting". */
        String failures() {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                Throwable e = failure.get(i);
                parts.add(targets.get(i) + ": " + (e != null ? describe(e)
                        : busy[i] ? "TimeoutException: no answer within the snapshot deadline" : "no answer"));
            }
            return "no broker answered (" + String.join("; ", parts) + ")";
        }
    }

    private CompletableFuture<ClusterView> describeCluster(Cluster.Endpoint ep, long deadline) {
        return ep.send(Cluster.MAIN, new DescribeClusterRequest.Builder(new DescribeClusterRequestData()), deadline)
                .thenApply(r -> {
                    DescribeClusterResponseData d = ((DescribeClusterResponse) r).data();
                    if (d.errorCode() != Errors.NONE.code()) {
                        throw Errors.forCode(d.errorCode()).exception(d.errorMessage());
                    }
                    List<BrokerNode> bs = new ArrayList<>();
                    for (DescribeClusterResponseData.DescribeClusterBroker b : d.brokers()) {
                        bs.add(new BrokerNode(b.brokerId(), b.host(), b.port()));
                        cluster.learn(b.brokerId(), b.host(), b.port());
                    }
                    bs.sort(Comparator.comparingInt(BrokerNode::id));
                    return new ClusterView(bs);
                });
    }

    private CompletableFuture<TopicsView> describeTopics(Cluster.Endpoint ep, List<String> names, long deadline) {
        return topicsPage(ep, names, null, new TreeMap<>(), deadline);
    }

    private CompletableFuture<TopicsView> topicsPage(Cluster.Endpoint ep, List<String> names,
            DescribeTopicPartitionsRequestData.Cursor cursor, TreeMap<String, TopicState> acc, long deadline) {
        DescribeTopicPartitionsRequestData req = new DescribeTopicPartitionsRequestData()
                .setTopics(names.stream().map(n -> new DescribeTopicPartitionsRequestData.TopicRequest().setName(n))
                        .collect(Collectors.toList()))
                .setCursor(cursor);
        return ep.send(Cluster.MAIN, new DescribeTopicPartitionsRequest.Builder(req), deadline).thenCompose(r -> {
            DescribeTopicPartitionsResponseData d = ((DescribeTopicPartitionsResponse) r).data();
            for (DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic t : d.topics()) {
                TopicState s = acc.computeIfAbsent(t.name(), k -> new TopicState(t.errorCode(), new ArrayList<>()));
                for (DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition p : t.partitions()) {
                    s.partitions.add(new PartState(p.partitionIndex(), p.leaderId(), p.leaderEpoch(),
                            sorted(p.replicaNodes()), sorted(p.isrNodes()), sorted(p.eligibleLeaderReplicas())));
                }
                s.partitions.sort(Comparator.comparingInt(PartState::partition));
            }
            DescribeTopicPartitionsResponseData.Cursor next = d.nextCursor();
            if (next != null) {
                return topicsPage(ep, names, new DescribeTopicPartitionsRequestData.Cursor()
                        .setTopicName(next.topicName()).setPartitionIndex(next.partitionIndex()), acc, deadline);
            }
            return CompletableFuture.completedFuture(new TopicsView(acc));
        });
    }

    /** Straight to a controller (only the active one answers), or through a broker (forwarded). */
    private CompletableFuture<QuorumView> describeQuorum(Cluster.Endpoint ep, long deadline) {
        return ep.send(ep.controller ? Cluster.MAIN : Cluster.QUORUM,
                new DescribeQuorumRequest.Builder(DescribeQuorumRequest.singletonRequest(METADATA_PARTITION)), deadline)
                .thenApply(r -> {
                    DescribeQuorumResponseData d = ((DescribeQuorumResponse) r).data();
                    if (d.errorCode() != Errors.NONE.code()) {
                        throw Errors.forCode(d.errorCode()).exception(d.errorMessage());
                    }
                    if (d.topics().size() != 1 || d.topics().get(0).partitions().size() != 1) {
                        throw new IllegalStateException("DescribeQuorum answer without exactly one partition");
                    }
                    for (DescribeQuorumResponseData.Node n : d.nodes()) {
                        for (DescribeQuorumResponseData.Listener l : n.listeners()) {
                            cluster.learnController(n.nodeId(), l.host(), l.port());
                            break; // any listener of the controller's will do
                        }
                    }
                    DescribeQuorumResponseData.PartitionData p = d.topics().get(0).partitions().get(0);
                    if (p.errorCode() != Errors.NONE.code()) {
                        throw Errors.forCode(p.errorCode()).exception(p.errorMessage());
                    }
                    return new QuorumView(p.leaderId(), p.leaderEpoch(), p.highWatermark(),
                            replicas(p.currentVoters()), replicas(p.observers()));
                });
    }

    private static List<Replica> replicas(List<DescribeQuorumResponseData.ReplicaState> states) {
        List<Replica> l = new ArrayList<>();
        for (DescribeQuorumResponseData.ReplicaState s : states) {
            l.add(new Replica(s.replicaId(), s.logEndOffset()));
        }
        l.sort(Comparator.comparingInt(Replica::id));
        return l;
    }

    // ---- phase 2: asking the broker concerned -----------------------------------------------

    private static <T> CompletableFuture<T> task(Supplier<T> body) {
        return CompletableFuture.supplyAsync(body, KafkaConn.POOL);
    }

    /** The request's answer; the request's own deadline bounds the wait. */
    private static AbstractResponse await(Cluster.Endpoint ep, AbstractRequest.Builder<?> b, long deadline)
            throws Throwable {
        try {
            return ep.send(Cluster.MAIN, b, deadline).get(millis(deadline - System.nanoTime()) + 1000,
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw cause(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("no answer from " + ep + " within the snapshot deadline");
        }
    }

    /** Sleeps RETRY_MS if that leaves time before the deadline; false otherwise. */
    private static boolean backOff(long deadline) {
        if (deadline - System.nanoTime() < ms(2 * RETRY_MS)) {
            return false;
        }
        try {
            Thread.sleep(RETRY_MS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Map<TopicPartition, Outcome<Long>> listOffsets(Cluster.Endpoint ep, int leader,
            List<TopicPartition> tps, long timestamp, IsolationLevel isolation, long deadline) {
        Map<TopicPartition, Outcome<Long>> out = new HashMap<>();
        if (ep == null) {
            tps.forEach(tp -> out.put(tp, Outcome.failed(new LeaderNotAvailableException(
                    "no address known for broker " + leader + ", the leader"))));
            return out;
        }
        List<TopicPartition> todo = new ArrayList<>(tps);
        Map<TopicPartition, Throwable> lastError = new HashMap<>();
        while (!todo.isEmpty()) {
            Map<TopicPartition, ListOffsetsRequestData.ListOffsetsPartition> req = new LinkedHashMap<>();
            for (TopicPartition tp : todo) {
                req.put(tp, new ListOffsetsRequestData.ListOffsetsPartition()
                        .setPartitionIndex(tp.partition()).setTimestamp(timestamp));
            }
            ListOffsetsRequest.Builder b = ListOffsetsRequest.Builder.forConsumer(false, isolation)
                    .setTargetTimes(ListOffsetsRequest.toListOffsetsTopics(req))
                    .setTimeoutMs((int) Math.max(1, millis(deadline - System.nanoTime())));
            ListOffsetsResponse resp;
            try {
                resp = (ListOffsetsResponse) await(ep, b, deadline);
            } catch (Throwable e) {
                todo.forEach(tp -> out.put(tp, Outcome.failed(e)));
                return out;
            }
            List<TopicPartition> retry = new ArrayList<>();
            for (ListOffsetsResponseData.ListOffsetsTopicResponse t : resp.data().topics()) {
                for (ListOffsetsResponseData.ListOffsetsPartitionResponse p : t.partitions()) {
                    TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                    if (!todo.contains(tp)) {
                        continue;
                    }
                    Errors err = Errors.forCode(p.errorCode());
                    if (err == Errors.NONE) {
                        out.put(tp, Outcome.ok(p.offset()));
                    } else if (err.exception() instanceof RetriableException) {
                        retry.add(tp); // e.g. the leader has not applied its election yet
                        lastError.put(tp, err.exception());
                    } else {
                        out.put(tp, Outcome.failed(err.exception()));
                    }
                }
            }
            for (TopicPartition tp : todo) {
                if (!out.containsKey(tp) && !retry.contains(tp)) {
                    out.put(tp, Outcome.failed(new IllegalStateException("no result in the ListOffsets answer")));
                }
            }
            todo = retry;
            if (!todo.isEmpty() && !backOff(deadline)) {
                todo.forEach(tp -> out.put(tp, Outcome.failed(lastError.get(tp))));
                break;
            }
        }
        return out;
    }

    private static Outcome<List<ListTransactionsResponseData.TransactionState>> listTransactions(
            Cluster.Endpoint ep, int broker, long deadline) {
        if (ep == null) {
            return Outcome.failed(new java.io.IOException("no address known for broker " + broker));
        }
        ListTransactionsResponse resp;
        try {
            resp = (ListTransactionsResponse) await(ep,
                    new ListTransactionsRequest.Builder(new ListTransactionsRequestData()), deadline);
        } catch (Throwable e) {
            return Outcome.failed(e);
        }
        if (resp.data().errorCode() != Errors.NONE.code()) {
            return Outcome.failed(Errors.forCode(resp.data().errorCode()).exception());
        }
        return Outcome.ok(resp.data().transactionStates());
    }

    /**
     * The transactions of the pipeline under test: those whose transactional.id starts with one
     * of the groups asked for (Kafka Streams names them {@code <application.id>-...}) and those
     * open right now (one pipeline runs on the cluster at a time, and the workload writes
     * without transactions). Each with its partition of {@code __transaction_state}, whose
     * leader is its coordinator (the role {@code transaction-coordinator(group)}).
     */
    private ArrayNode transactions(List<String> groups, TopicState log,
            Map<Integer, CompletableFuture<Outcome<List<ListTransactionsResponseData.TransactionState>>>> lists) {
        ArrayNode out = F.arrayNode();
        TreeMap<String, ListTransactionsResponseData.TransactionState> mine = new TreeMap<>();
        for (Map.Entry<Integer, CompletableFuture<Outcome<List<ListTransactionsResponseData.TransactionState>>>> e
                : lists.entrySet()) {
            Outcome<List<ListTransactionsResponseData.TransactionState>> o = result(e.getValue());
            if (o.error != null) {
                errors.add("listTransactions(broker " + e.getKey() + "): " + describe(o.error));
                continue;
            }
            for (ListTransactionsResponseData.TransactionState t : o.value) {
                String id = t.transactionalId();
                boolean named = groups.stream().anyMatch(g -> id.startsWith(g + "-"));
                if (named || OPEN_TRANSACTION.contains(t.transactionState())) {
                    mine.put(id, t);
                }
            }
        }
        if (mine.isEmpty()) {
            return out;
        }
        if (log == null || log.error != Errors.NONE.code() || log.partitions.isEmpty()) {
            errors.add("describeTopics(" + TRANSACTIONS_TOPIC + "): no partitions known, so no coordinators");
            return out;
        }
        int n = log.partitions.size();
        for (ListTransactionsResponseData.TransactionState t : mine.values()) {
            int index = Utils.abs(t.transactionalId().hashCode()) % n;
            PartState p = log.partitions.stream().filter(x -> x.partition == index).findFirst().orElse(null);
            ObjectNode o = out.addObject();
            o.put("transactional_id", t.transactionalId());
            o.put("producer_id", t.producerId());
            o.put("state", t.transactionState());
            o.put("partition", index);
            if (p == null || p.leader < 0) {
                o.putNull("coordinator");
            } else {
                o.put("coordinator", p.leader);
            }
        }
        return out;
    }

    private static Outcome<List<LogDir>> describeLogDirs(Cluster.Endpoint ep, int broker, long deadline) {
        if (ep == null) {
            return Outcome.failed(new java.io.IOException("no address known for broker " + broker));
        }
        DescribeLogDirsResponse resp;
        try {
            resp = (DescribeLogDirsResponse) await(ep,
                    new DescribeLogDirsRequest.Builder(new DescribeLogDirsRequestData().setTopics(null)), deadline);
        } catch (Throwable e) {
            return Outcome.failed(e);
        }
        if (resp.data().errorCode() != Errors.NONE.code()) {
            return Outcome.failed(Errors.forCode(resp.data().errorCode()).exception());
        }
        List<LogDir> dirs = new ArrayList<>();
        for (DescribeLogDirsResponseData.DescribeLogDirsResult r : resp.data().results()) {
            Map<TopicPartition, long[]> replicas = new HashMap<>();
            for (DescribeLogDirsResponseData.DescribeLogDirsTopic t : r.topics()) {
                for (DescribeLogDirsResponseData.DescribeLogDirsPartition p : t.partitions()) {
                    if (!p.isFutureKey()) {
                        replicas.put(new TopicPartition(t.name(), p.partitionIndex()),
                                new long[] {p.partitionSize(), p.offsetLag()});
                    }
                }
            }
            Errors err = Errors.forCode(r.errorCode());
            dirs.add(new LogDir(r.logDir(), err == Errors.NONE ? null : err.exception(), replicas));
        }
        dirs.sort(Comparator.comparing(LogDir::path));
        return Outcome.ok(dirs);
    }

    /**
     * Runs one of Admin's own group request handlers against the coordinator: its requests,
     * its reading of the answers (group states, member assignments, committed offsets), its
     * fallbacks (ConsumerGroupDescribe, then classic DescribeGroups). Keys the handler wants
     * retried (coordinator loading, not the coordinator yet) are asked again until the deadline.
     */
    private static <V> Map<String, Outcome<V>> drive(AdminApiHandler<CoordinatorKey, V> handler, int coordinator,
            Cluster.Endpoint ep, Set<String> groups, long deadline) {
        Map<String, Outcome<V>> out = new HashMap<>();
        if (ep == null) {
            groups.forEach(g -> out.put(g, Outcome.failed(new CoordinatorNotAvailableException(
                    "no address known for broker " + coordinator + ", the coordinator"))));
            return out;
        }
        Node node = new Node(coordinator, ep.host(), ep.port());
        Set<CoordinatorKey> todo = new LinkedHashSet<>();
        groups.forEach(g -> todo.add(CoordinatorKey.byGroupId(g)));
        for (int pass = 1; !todo.isEmpty(); pass++) {
            for (AdminApiHandler.RequestAndKeys<CoordinatorKey> rk
                    : handler.buildRequest(coordinator, new HashSet<>(todo))) {
                AbstractResponse resp;
                try {
                    resp = await(ep, rk.request, deadline);
                } catch (UnsupportedVersionException e) {
                    handler.handleUnsupportedVersionException(coordinator, e, rk.keys).forEach((k, t) -> {
                        out.put(k.idValue, Outcome.failed(t));
                        todo.remove(k);
                    });
                    continue;
                } catch (Throwable e) {
                    rk.keys.forEach(k -> out.put(k.idValue, Outcome.failed(e)));
                    todo.removeAll(rk.keys);
                    continue;
                }
                AdminApiHandler.ApiResult<CoordinatorKey, V> r = handler.handleResponse(node, rk.keys, resp);
                r.completedKeys.forEach((k, v) -> {
                    out.put(k.idValue, Outcome.ok(v));
                    todo.remove(k);
                });
                r.failedKeys.forEach((k, t) -> {
                    out.put(k.idValue, Outcome.failed(t));
                    todo.remove(k);
                });
            }
            // The second pass goes at once: after the first answer the handler may have switched
            // a group to the classic API (ConsumerGroupDescribe said GROUP_ID_NOT_FOUND).
            if (!todo.isEmpty() && pass > 1 && !backOff(deadline)) {
                todo.forEach(k -> out.put(k.idValue, Outcome.failed(new TimeoutException("broker " + coordinator
                        + " was not ready to serve the group (loading, or not its coordinator yet)"
                        + " before the deadline"))));
                break;
            }
        }
        return out;
    }

    private static <V> Outcome<V> groupResult(CompletableFuture<Map<String, Outcome<V>>> f, String g) {
        Outcome<Map<String, Outcome<V>>> all = result(f.thenApply(Outcome::ok));
        if (all.error != null) {
            return Outcome.failed(all.error);
        }
        Outcome<V> o = all.value.get(g);
        return o != null ? o : Outcome.failed(new IllegalStateException("no result"));
    }

    /** A phase 2 task's outcome: its own, a late one's, or a failed one's exception. */
    private static <T> Outcome<T> result(CompletableFuture<Outcome<T>> f) {
        if (!f.isDone()) {
            return Outcome.failed(new TimeoutException("no answer within the snapshot deadline"));
        }
        try {
            return f.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return Outcome.failed(e);
        }
    }

    // ---- output -----------------------------------------------------------------------------

    private ObjectNode group(String g, Integer coordinator, Outcome<ConsumerGroupDescription> described,
            Outcome<Map<TopicPartition, OffsetAndMetadata>> offsets) {
        ObjectNode o = F.objectNode();
        o.put("group", g);
        ConsumerGroupDescription d = described.value;
        boolean notFound = described.error instanceof GroupIdNotFoundException;
        if (d == null && !notFound) {
            errors.add("describeConsumerGroups(" + g + "): " + describe(described.error));
        }
        if (d != null) {
            o.put("state", d.groupState() == null ? "UNKNOWN" : d.groupState().name());
        } else if (notFound) {
            o.put("state", "DEAD"); // Kafka's word for a group that does not exist
        } else {
            o.putNull("state");
        }
        if (d != null && coordinator != null) {
            o.put("coordinator", coordinator);
        } else {
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
        if (offsets.error != null) {
            if (!(offsets.error instanceof GroupIdNotFoundException)) {
                errors.add("listConsumerGroupOffsets(" + g + "): " + describe(offsets.error));
            }
        } else if (offsets.value != null) {
            TreeMap<TopicPartition, OffsetAndMetadata> sorted = new TreeMap<>(TP_ORDER);
            offsets.value.forEach((tp, om) -> {
                if (om != null) {
                    sorted.put(tp, om);
                }
            });
            sorted.forEach((tp, om) -> committed.addObject()
                    .put("topic", tp.topic()).put("partition", tp.partition()).put("offset", om.offset()));
        }
        return o;
    }

    private void putOffset(ObjectNode p, String field, Outcome<Long> o, String what) {
        if (o == null) {
            o = Outcome.failed(new TimeoutException("no answer within the snapshot deadline"));
        }
        if (o.error != null) {
            errors.add(what + ": " + describe(o.error));
        }
        if (o.value == null || o.value < 0) {
            p.putNull(field);
        } else {
            p.put(field, o.value);
        }
    }

    private static ArrayNode replicaStates(List<Replica> states) {
        ArrayNode a = F.arrayNode();
        for (Replica s : states) {
            ObjectNode o = a.addObject().put("id", s.id);
            if (s.logEndOffset < 0) {
                o.putNull("log_end_offset"); // Kafka says -1: unknown (e.g. the voter is down)
            } else {
                o.put("log_end_offset", s.logEndOffset);
            }
        }
        return a;
    }

    private static ArrayNode ids(List<Integer> ids) {
        ArrayNode a = F.arrayNode();
        ids.forEach(a::add);
        return a;
    }

    private static List<Integer> sorted(List<Integer> ids) {
        return ids == null ? List.of()
                : ids.stream().filter(i -> i >= 0).sorted().distinct().collect(Collectors.toList());
    }

    private static Throwable cause(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
