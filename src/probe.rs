//! Network probes run inside client nodes (`ldfi probe ...`), to show what
//! a partition does to real packets: UDP datagrams show the direction of a
//! cut, a TCP connect shows what a client on each side experiences, and a
//! timed TCP transfer shows the bandwidth a slow link leaves.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// Outcome of a TCP connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Connected,
    TimedOut,
    Refused,
}

impl std::fmt::Display for Reach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Reach::Connected => "connected",
            Reach::TimedOut => "timed-out",
            Reach::Refused => "refused",
        })
    }
}

/// Receives datagrams forever, printing `<source-ip> <payload>` per line.
pub fn udp_listen(port: u16) -> std::io::Result<()> {
    let socket = UdpSocket::bind(("0.0.0.0", port))?;
    let mut buffer = [0u8; 1500];
    let stdout = std::io::stdout();
    loop {
        let (len, from) = socket.recv_from(&mut buffer)?;
        let mut out = stdout.lock();
        writeln!(out, "{} {}", from.ip(), String::from_utf8_lossy(&buffer[..len]))?;
        out.flush()?;
    }
}

/// Sends `count` datagrams `<tag>-<i>` to `to`, 20 ms apart.
pub fn udp_send(to: SocketAddr, count: u32, tag: &str) -> std::io::Result<()> {
    let socket = UdpSocket::bind(("0.0.0.0", 0))?;
    for i in 0..count {
        // A dropped datagram is the point; a send error is not.
        let _ = socket.send_to(format!("{tag}-{i}").as_bytes(), to);
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Tries one TCP connection to `to` within `timeout`.
pub fn tcp_connect(to: SocketAddr, timeout: Duration) -> Reach {
    match TcpStream::connect_timeout(&to, timeout) {
        Ok(_) => Reach::Connected,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Reach::Refused,
        Err(_) => Reach::TimedOut,
    }
}

/// Accepts TCP connections forever, each read to its end and then closed,
/// so that a sender knows when everything it sent has arrived.
pub fn tcp_sink(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(("0.0.0.0", port))?;
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut stream, &mut std::io::sink());
        });
    }
    Ok(())
}

/// Sends `bytes` bytes to a [`tcp_sink`] at `to` and waits until the sink
/// has read them all and closed: the time from connect to that close.
pub fn tcp_send(to: SocketAddr, bytes: usize, timeout: Duration) -> std::io::Result<Duration> {
    let start = Instant::now();
    let mut stream = TcpStream::connect_timeout(&to, timeout)?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_read_timeout(Some(timeout))?;
    let chunk = vec![0x5au8; 64 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len());
        stream.write_all(&chunk[..n])?;
        left -= n;
    }
    stream.shutdown(Shutdown::Write)?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest)?;
    Ok(start.elapsed())
}
