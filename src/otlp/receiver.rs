//! The OTLP/HTTP endpoint: accepts span exports and appends the messaging
//! spans of the current run to its `otlp.jsonl`.
//!
//! It runs on its own thread and runtime so that it can be started, stopped
//! and dropped from synchronous or asynchronous code alike, and so that a
//! burst of exports never competes with the harness's own tasks. Between
//! runs (not recording) exports are still answered, counted and dropped:
//! an SDK that got errors would only retry and log.
//!
//! Memory is bounded by construction: a body is at most [`MAX_BODY`]
//! (after decompression too), bodies held at once share a fixed budget,
//! and one request is decoded at a time, span by span (see `decode`).

use std::convert::Infallible;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use thiserror::Error;
use tokio::sync::{oneshot, Semaphore};

use super::convert::Batch;
use super::decode;

/// The path OTLP/HTTP exporters post traces to.
pub const TRACES_PATH: &str = "/v1/traces";
/// Largest request body, compressed or not (413 beyond). An exporter's
/// batch (512 spans by default in the SDKs and the Java agent, about
/// 230 KiB) fits eight times over; a hostile body of the smallest spans
/// decodes to about 18 times its size, so this bounds that too.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// Connections served at once; more are closed on accept.
pub const MAX_CONNECTIONS: usize = 64;
/// Request bodies held at once, in KiB: a request waits for its share
/// before its body is read, so many large requests cannot add up.
const BODY_BUDGET_KIB: usize = 4 * MAX_BODY / 1024;
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
const BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// The receiver could not start.
#[derive(Debug, Error)]
pub enum OtlpError {
    #[error("cannot listen for OTLP on {address}: {source}\n  fix: pick a free port, or port 0 for any")]
    Bind { address: SocketAddr, #[source] source: io::Error },
    #[error("cannot start the OTLP receiver: {0}")]
    Runtime(#[source] io::Error),
}

/// What the receiver saw since it started or since the last
/// [`OtlpReceiver::stop_recording`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiverStats {
    /// Messaging spans written to the recording.
    pub spans: u64,
    /// Trace export requests received, rejected ones included.
    pub requests: u64,
    /// Requests answered with an error (unreadable, too large, unsupported).
    pub rejected: u64,
    /// Messaging spans that arrived while nothing was being recorded.
    pub dropped: u64,
}

/// A running OTLP/HTTP trace receiver. Dropping it stops the server.
pub struct OtlpReceiver {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct State {
    recording: Option<Recording>,
    stats: ReceiverStats,
}

struct Recording {
    path: PathBuf,
    out: BufWriter<File>,
}

impl OtlpReceiver {
    /// Listens on `bind` (port 0: any free port) and serves until dropped.
    pub fn start(bind: SocketAddr) -> Result<OtlpReceiver, OtlpError> {
        let listener = std::net::TcpListener::bind(bind).map_err(|source| OtlpError::Bind { address: bind, source })?;
        let address = listener.local_addr().map_err(OtlpError::Runtime)?;
        listener.set_nonblocking(true).map_err(OtlpError::Runtime)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(OtlpError::Runtime)?;
        let state = Arc::new(Mutex::new(State::default()));
        let (shutdown, stopped) = oneshot::channel();
        let served = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("ldfi-otlp".into())
            .spawn(move || runtime.block_on(serve(listener, served, stopped)))
            .map_err(OtlpError::Runtime)?;
        tracing::debug!(%address, "OTLP receiver listening");
        Ok(OtlpReceiver { address, state, shutdown: Some(shutdown), thread: Some(thread) })
    }

    /// The address an exporter should use (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The socket the receiver listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Starts appending received messaging spans to `path`, a file that
    /// must not exist yet (a symlink there is refused too). Its directory
    /// is created.
    pub fn record_to(&self, path: &Path) -> io::Result<()> {
        let mut state = lock(&self.state);
        if let Some(recording) = &state.recording {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("already recording OTLP spans to {}", recording.path.display()),
            ));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)?;
        state.recording = Some(Recording { path: path.to_path_buf(), out: BufWriter::new(file) });
        Ok(())
    }

    /// Flushes and closes the recording (if any) and returns the counts
    /// since the last stop, which start again from zero.
    pub fn stop_recording(&self) -> ReceiverStats {
        let mut state = lock(&self.state);
        if let Some(mut recording) = state.recording.take() {
            if let Err(error) = recording.out.flush().and_then(|()| recording.out.get_ref().sync_all()) {
                tracing::warn!(path = %recording.path.display(), %error, "cannot flush the OTLP recording");
            }
        }
        std::mem::take(&mut state.stats)
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.stop_recording();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn serve(listener: std::net::TcpListener, state: Arc<Mutex<State>>, mut stopped: oneshot::Receiver<()>) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%error, "OTLP receiver cannot listen");
            return;
        }
    };
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let budget = Arc::new(Semaphore::new(BODY_BUDGET_KIB));
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!(%error, "OTLP receiver cannot accept");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tracing::warn!("OTLP receiver: too many connections, closing one");
            continue;
        };
        let state = Arc::clone(&state);
        let budget = Arc::clone(&budget);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                let budget = Arc::clone(&budget);
                async move { Ok::<_, Infallible>(handle(request, &state, &budget).await) }
            });
            let served = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(error) = served {
                tracing::debug!(%error, "OTLP connection ended");
            }
            drop(permit);
        });
    }
}

#[derive(Clone, Copy)]
enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }

    /// An empty `ExportTraceServiceResponse`.
    fn empty_response(self) -> Bytes {
        match self {
            Encoding::Protobuf => Bytes::new(),
            Encoding::Json => Bytes::from_static(b"{}"),
        }
    }
}

async fn handle(request: Request<Incoming>, state: &Mutex<State>, budget: &Semaphore) -> Response<Full<Bytes>> {
    if request.uri().path() != TRACES_PATH {
        return reply(StatusCode::NOT_FOUND, "not found: OTLP traces go to /v1/traces\n");
    }
    if request.method() != Method::POST {
        let mut response = reply(StatusCode::METHOD_NOT_ALLOWED, "use POST\n");
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let outcome = export(request, budget).await.map(|(encoding, batch)| {
        let text = encode(&batch);
        (encoding, batch, text)
    });
    let mut state = lock(state);
    state.stats.requests += 1;
    match outcome {
        Ok((encoding, batch, text)) => match record(&mut state, &batch, text) {
            Ok(()) => {
                let mut response = Response::new(Full::new(encoding.empty_response()));
                response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(encoding.content_type()));
                response
            }
            Err(error) => {
                state.stats.rejected += 1;
                tracing::warn!(%error, "cannot write OTLP spans");
                reply(StatusCode::SERVICE_UNAVAILABLE, "cannot record spans\n")
            }
        },
        Err((status, message)) => {
            state.stats.rejected += 1;
            tracing::debug!(%status, %message, "OTLP request rejected");
            reply(status, &message)
        }
    }
}

/// A batch as JSON lines, ready to append in one write.
fn encode(batch: &Batch) -> io::Result<Vec<u8>> {
    let mut text = Vec::with_capacity(batch.lines.len() * 320);
    for line in &batch.lines {
        serde_json::to_writer(&mut text, line).map_err(io::Error::other)?;
        text.push(b'\n');
    }
    Ok(text)
}

/// Appends an encoded batch to the recording, or counts it as dropped.
fn record(state: &mut State, batch: &Batch, encoded: io::Result<Vec<u8>>) -> io::Result<()> {
    let count = batch.lines.len() as u64;
    let Some(recording) = state.recording.as_mut() else {
        state.stats.dropped += count;
        return Ok(());
    };
    if batch.truncated {
        tracing::warn!(kept = batch.seen, "OTLP request over the span limit; the rest was ignored");
    }
    recording.out.write_all(&encoded?)?;
    recording.out.flush()?;
    state.stats.spans += count;
    Ok(())
}

type Rejection = (StatusCode, String);

/// Reads, decompresses and converts one export request.
async fn export(request: Request<Incoming>, budget: &Semaphore) -> Result<(Encoding, Batch), Rejection> {
    let headers = request.headers();
    let media = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let encoding = match media.as_str() {
        "application/x-protobuf" | "application/protobuf" => Encoding::Protobuf,
        "application/json" => Encoding::Json,
        _ => return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, "use application/x-protobuf or application/json\n".into())),
    };
    let coding = headers.get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("identity");
    let gzip = match coding.trim().to_ascii_lowercase().as_str() {
        "gzip" => true,
        "identity" | "" => false,
        _ => return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip or identity\n".into())),
    };
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(too_large());
    }
    let share = declared.map_or(MAX_BODY, |length| length as usize).div_ceil(1024).max(1) as u32;
    let Ok(_share) = budget.acquire_many(share).await else {
        return Err((StatusCode::SERVICE_UNAVAILABLE, "shutting down\n".into()));
    };
    let body = Limited::new(request.into_body(), MAX_BODY).collect();
    let body = match tokio::time::timeout(BODY_TIMEOUT, body).await {
        Err(_) => return Err((StatusCode::REQUEST_TIMEOUT, "body too slow\n".into())),
        Ok(Err(error)) if error.is::<LengthLimitError>() => return Err(too_large()),
        Ok(Err(_)) => return Err((StatusCode::BAD_REQUEST, "cannot read the body\n".into())),
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let body = if gzip { gunzip(&body)? } else { body };
    let batch = match encoding {
        Encoding::Protobuf => decode::protobuf(body),
        Encoding::Json => decode::json(&body),
    };
    batch.map(|b| (encoding, b)).map_err(|error| (StatusCode::BAD_REQUEST, short(&error.to_string())))
}

fn gunzip(body: &[u8]) -> Result<Bytes, Rejection> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::GzDecoder::new(body).take(MAX_BODY as u64 + 1);
    decoder
        .read_to_end(&mut out)
        .map_err(|_| (StatusCode::BAD_REQUEST, "body is not valid gzip\n".to_string()))?;
    if out.len() > MAX_BODY {
        return Err(too_large());
    }
    Ok(Bytes::from(out))
}

fn too_large() -> Rejection {
    (StatusCode::PAYLOAD_TOO_LARGE, format!("body over {MAX_BODY} bytes\n"))
}

fn short(message: &str) -> String {
    let mut text: String = message.chars().take(200).collect();
    text.push('\n');
    text
}

fn reply(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::copy_from_slice(message.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}
