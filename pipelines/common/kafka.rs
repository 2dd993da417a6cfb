//! The Kafka clients of an instance: the input consumer (group member,
//! manual commits), the output producer (configured by the bug switches),
//! and the few moves every loop makes: poll a batch, wait for delivery
//! reports, commit, rewind.
//!
//! Rebalances and delivery reports arrive through the clients' contexts,
//! the place rdkafka gives for them, and are turned into trace lines there.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ldfi::scenario::Bug;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};

use super::record::{Input, Output};
use super::settings::Settings;
use super::shutdown::Shutdown;
use super::trace::Tracer;

/// At most this many inputs per commit or transaction.
pub const BATCH: usize = 100;

/// How long a batch keeps taking inputs after its first: one write to
/// several partitions arrives in several fetch responses (one per leader)
/// a few milliseconds apart, and is still one batch, as a consumer with
/// `fetch.min.bytes` and `fetch.wait.max.ms` would take it.
pub const LINGER: Duration = Duration::from_millis(200);

/// The input consumer's context: counts rebalances and notes them.
pub struct InputContext {
    tracer: Arc<Tracer>,
    generation: AtomicU64,
}

impl InputContext {
    /// Bumped on every assignment and revocation: a batch polled across a
    /// change may hold records whose positions were reset since.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

impl ClientContext for InputContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        log(level, facility, message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        say(format!("consumer error: {error}: {reason}"));
    }
}

impl ConsumerContext for InputContext {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let (verb, list) = match rebalance {
            Rebalance::Assign(list) => ("assigned", *list),
            Rebalance::Revoke(list) => ("revoked", *list),
            Rebalance::Error(e) => {
                self.tracer.note(format!("rebalance failed: {e}"));
                return;
            }
        };
        let partitions: Vec<String> =
            list.elements().iter().map(|e| format!("{}/{}", e.topic(), e.partition())).collect();
        self.tracer.note(format!("rebalance: {verb} [{}]", partitions.join(", ")));
    }
}

/// What the cluster answered for one output: `(partition, offset)` or the error.
pub type Delivery = Result<(i32, i64), String>;

/// The output producer's context: keeps delivery reports by output index.
#[derive(Default)]
pub struct OutputContext {
    deliveries: Mutex<BTreeMap<usize, Delivery>>,
}

impl ClientContext for OutputContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        log(level, facility, message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        say(format!("producer error: {error}: {reason}"));
    }
}

impl ProducerContext for OutputContext {
    type DeliveryOpaque = usize;
    fn delivery(&self, result: &DeliveryResult<'_>, index: usize) {
        let delivery = match result {
            Ok(message) => Ok((message.partition(), message.offset())),
            Err((error, _)) => Err(error.to_string()),
        };
        self.deliveries.lock().expect("deliveries lock").insert(index, delivery);
    }
}

/// Set when the output producer was given librdkafka's `debug` setting
/// (`LDFI_PRODUCER_CONFIG=debug=eos`): its debug lines are printed too,
/// into the node's log (`pipeline-N.log` beside the traces).
static VERBOSE: AtomicBool = AtomicBool::new(false);

fn log(level: RDKafkaLogLevel, facility: &str, message: &str) {
    if (level as i32) <= (RDKafkaLogLevel::Warning as i32) || VERBOSE.load(Ordering::Relaxed) {
        say(format!("librdkafka {level:?} {facility}: {message}"));
    }
}

/// Prints `message` on stderr unless the very same line was printed in the
/// last ten seconds: a cluster that is down repeats itself on every poll.
pub fn say(message: String) {
    static SAID: Mutex<Option<HashMap<String, Instant>>> = Mutex::new(None);
    let mut said = SAID.lock().expect("said lock");
    let said = said.get_or_insert_with(HashMap::new);
    let now = Instant::now();
    if said.get(&message).is_some_and(|at| now.duration_since(*at) < Duration::from_secs(10)) {
        return;
    }
    said.retain(|_, at| now.duration_since(*at) < Duration::from_secs(10));
    eprintln!("{message}");
    said.insert(message, now);
}

/// The input consumer, subscribed to the input topic. Offsets are only ever
/// committed by hand; `read_committed` also makes offset fetches wait for
/// pending transactional commits (KIP-447).
pub fn input_consumer(settings: &Settings, tracer: Arc<Tracer>) -> KafkaResult<BaseConsumer<InputContext>> {
    let context = InputContext { tracer, generation: AtomicU64::new(0) };
    let consumer: BaseConsumer<InputContext> = ClientConfig::new()
        .set("bootstrap.servers", &settings.bootstrap)
        .set("group.id", &settings.group)
        .set("client.id", &settings.instance)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("isolation.level", "read_committed")
        // A crashed instance's partitions move on within seconds, not 45 s.
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "1500")
        .create_with_context(context)?;
    consumer.subscribe(&[&settings.input])?;
    Ok(consumer)
}

/// The output producer. Correct settings are `acks=all` with idempotence;
/// the bug switches weaken them. A transactional producer cannot be weakened
/// that way (librdkafka refuses), which is reported as bad input.
pub fn output_producer(settings: &Settings, transactional: bool) -> Result<BaseProducer<OutputContext>, String> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.bootstrap)
        .set("client.id", &settings.instance)
        .set("linger.ms", "5");
    if transactional {
        for bug in [Bug::AcksOne, Bug::NoIdempotence] {
            if settings.has(bug) {
                return Err(format!(
                    "LDFI_BUGS: {} cannot apply to a transactional producer (transactions need acks=all and \
                     idempotence)\n  fix: drop it, or combine it with no-transactions (exactly-once pipeline)",
                    bug.name()
                ));
            }
        }
        config
            .set("transactional.id", settings.transactional_id())
            // A crashed instance's open transaction blocks read_committed
            // readers until it times out: keep that short.
            .set("transaction.timeout.ms", "10000");
    } else {
        let idempotent = !settings.has(Bug::AcksOne) && !settings.has(Bug::NoIdempotence);
        config
            .set("acks", if settings.has(Bug::AcksOne) { "1" } else { "all" })
            .set("enable.idempotence", if idempotent { "true" } else { "false" });
        if settings.has(Bug::NoIdempotence) {
            config.set("message.send.max.retries", "2147483647").set("max.in.flight.requests.per.connection", "5");
        }
    }
    if settings.producer_config.iter().any(|(name, _)| name == "debug") {
        VERBOSE.store(true, Ordering::Relaxed);
        config.set_log_level(RDKafkaLogLevel::Debug);
    }
    for (name, value) in &settings.producer_config {
        config.set(name, value);
    }
    config.create_with_context(OutputContext::default()).map_err(|e| format!("cannot create the output producer: {e}"))
}

/// Polls up to [`BATCH`] inputs: waits briefly for the first, then takes
/// what arrives within [`LINGER`] of it. Records polled before a rebalance
/// are dropped: their partitions' positions went back to the committed
/// offsets.
pub fn poll_batch(consumer: &BaseConsumer<InputContext>, tracer: &Tracer) -> KafkaResult<Vec<Input>> {
    let mut batch = Vec::new();
    let mut wait = Duration::from_millis(100);
    let mut until = None;
    while batch.len() < BATCH {
        let generation = consumer.context().generation();
        let polled = consumer.poll(wait);
        if consumer.context().generation() != generation && !batch.is_empty() {
            tracer.note(format!("rebalance: dropped {} uncommitted inputs polled before it", batch.len()));
            batch.clear();
        }
        match polled {
            None => break,
            Some(Ok(message)) => batch.push(Input::from_message(&message)),
            Some(Err(KafkaError::MessageConsumptionFatal(code))) => {
                return Err(KafkaError::MessageConsumptionFatal(code))
            }
            Some(Err(e)) => say(format!("consume: {e}")),
        }
        let deadline = *until.get_or_insert_with(|| Instant::now() + LINGER);
        wait = deadline.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            break;
        }
    }
    Ok(batch)
}

/// The next offset to read per partition after `batch`, in partition order.
pub fn next_offsets(batch: &[Input]) -> Vec<(i32, i64)> {
    let mut next = BTreeMap::new();
    for input in batch {
        let entry = next.entry(input.partition).or_insert(input.offset + 1);
        *entry = (*entry).max(input.offset + 1);
    }
    next.into_iter().collect()
}

/// `offsets` of `topic` as a partition list.
pub fn partition_list(topic: &str, offsets: &[(i32, i64)]) -> KafkaResult<TopicPartitionList> {
    let mut list = TopicPartitionList::new();
    for (partition, offset) in offsets {
        list.add_partition_offset(topic, *partition, Offset::Offset(*offset))?;
    }
    Ok(list)
}

/// Commits `offsets` of `topic` synchronously and traces them.
pub fn commit(
    consumer: &BaseConsumer<InputContext>,
    tracer: &Tracer,
    topic: &str,
    offsets: &[(i32, i64)],
) -> KafkaResult<()> {
    consumer.commit(&partition_list(topic, offsets)?, CommitMode::Sync)?;
    tracer.committed(topic, offsets);
    Ok(())
}

/// Moves every assigned partition back to its committed offset (or the
/// beginning when nothing is committed), so the uncommitted is read again.
pub fn rewind(consumer: &BaseConsumer<InputContext>, tracer: &Tracer) -> KafkaResult<()> {
    let committed = consumer.committed(Duration::from_secs(10))?;
    for element in committed.elements() {
        let offset = match element.offset() {
            Offset::Offset(offset) => Offset::Offset(offset),
            _ => Offset::Beginning,
        };
        consumer.seek(element.topic(), element.partition(), offset, Duration::from_secs(10))?;
    }
    tracer.note(format!("rewound {} partitions to their committed offsets", committed.count()));
    Ok(())
}

/// Enqueues every output, index `i` carrying delivery opaque `i`; waits
/// for room when the producer's queue is full.
pub fn send_all(producer: &BaseProducer<OutputContext>, topic: &str, outputs: &[Output]) -> KafkaResult<()> {
    producer.context().deliveries.lock().expect("deliveries lock").clear();
    for (index, output) in outputs.iter().enumerate() {
        let mut record = BaseRecord::with_opaque_to(topic, index).payload(&output.value);
        if let Some(key) = &output.key {
            record = record.key(key);
        }
        if let Some(headers) = output.headers() {
            record = record.headers(headers);
        }
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => return Err(e),
            }
        }
    }
    Ok(())
}

/// Waits for the delivery report of each of `count` outputs. `None` when
/// a stop was asked for first (`shutdown`), or, without `shutdown` (reports
/// known to be due), when they did not all come within ten seconds.
pub fn await_deliveries(
    producer: &BaseProducer<OutputContext>,
    count: usize,
    shutdown: Option<&Shutdown>,
) -> Option<Vec<Delivery>> {
    let started = Instant::now();
    loop {
        {
            let deliveries = producer.context().deliveries.lock().expect("deliveries lock");
            if deliveries.len() >= count {
                return Some((0..count).map(|i| deliveries[&i].clone()).collect());
            }
        }
        let give_up = match shutdown {
            Some(shutdown) => shutdown.requested(),
            None => started.elapsed() > Duration::from_secs(10),
        };
        if give_up {
            return None;
        }
        producer.poll(Duration::from_millis(50));
    }
}
