//! The connection driver: one task per connection owns its socket, reads and
//! decodes packets, hands each to its handler (`crate::handle`), moves queued
//! deliveries onto the socket and writes everything produced in one turn with
//! one write call.
//!
//! Generic over the byte stream, so tests drive it over in-memory pipes on a
//! virtual clock as well as over TCP.

mod state;

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use midge_proto::{Decoder, Disconnect, ErrorKind, Packet, ProtocolVersion};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::broker::{Departure, Shared};
use crate::handle;
pub use state::{Close, ConnState};

/// Smallest read: what an idle connection keeps allocated (a busy one grows
/// its reads by doubling within a few packets).
const MIN_READ: usize = 64;
/// Largest read a busy connection grows to.
const MAX_READ: usize = 64 * 1024;

/// The read buffer: sized to the traffic, so an idle connection holds little
/// memory and a busy one reads in large chunks.
struct ReadBuf {
    buf: BytesMut,
    chunk: usize,
}

impl ReadBuf {
    fn new() -> Self {
        Self {
            buf: BytesMut::new(),
            chunk: MIN_READ,
        }
    }

    /// Makes room for the next read. Once everything read has been decoded, a
    /// buffer grown for a burst is let go.
    fn prepare(&mut self) {
        if self.buf.is_empty() && self.buf.capacity() > 2 * self.chunk {
            self.buf = BytesMut::new();
        }
        self.buf.reserve(self.chunk);
    }

    /// Adapts the read size to what the last read brought.
    fn after_read(&mut self, n: usize) {
        if n >= self.chunk {
            self.chunk = (self.chunk * 2).min(MAX_READ);
        } else if n < self.chunk / 8 {
            self.chunk = (self.chunk / 2).max(MIN_READ);
        }
    }
}
/// How long the final packets of a closing connection may take to write.
const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves one client connection from its first byte to its close.
///
/// The CONNECT phase runs in its own boxed future, freed once the connection
/// is accepted, so the long-lived task holds only what the session needs.
pub async fn serve<S>(shared: Arc<Shared>, stream: S, peer: String)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if let Some(link) = Box::pin(handshake(shared, stream, peer)).await {
        run(link).await;
    }
}

/// An accepted connection, ready for its main loop.
struct Link<S> {
    stream: S,
    state: ConnState,
    rbuf: ReadBuf,
    decoder: Decoder,
    kick: tokio::sync::oneshot::Receiver<crate::session::Kick>,
    done: tokio::sync::oneshot::Sender<()>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

/// Reads CONNECT (in time) and accepts or refuses it.
async fn handshake<S>(shared: Arc<Shared>, mut stream: S, peer: String) -> Option<Link<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (connect_timeout, max_packet) = {
        let c = shared.config();
        (
            Duration::from_secs(c.connect_timeout_secs),
            c.limits.max_packet_size,
        )
    };
    let mut rbuf = ReadBuf::new();
    let mut decoder = Decoder::new(max_packet);

    // CONNECT must come first, and in time ([MQTT-3.1.0-1]).
    let mut shutdown = shared.shutdown_signal();
    if *shutdown.borrow_and_update() {
        return None;
    }
    let first = tokio::select! {
        first = tokio::time::timeout(
            connect_timeout,
            read_packet(&mut stream, &mut rbuf, &mut decoder),
        ) => first,
        _ = shutdown.changed() => return None,
    };
    let connect = match first {
        Err(_) => {
            tracing::debug!(%peer, "no CONNECT within {}s; closing", connect_timeout.as_secs());
            return None;
        }
        Ok(Err(ReadError::Closed)) => return None,
        Ok(Err(ReadError::Decode(e))) => {
            tracing::debug!(%peer, rule = e.rule().unwrap_or("-"), "refusing connection: {e}");
            if let Some(connack) = handle::connect::refusal_for_decode_error(&e) {
                let _ = write_and_close(&mut stream, &connack).await;
            }
            return None;
        }
        Ok(Ok(Packet::Connect(connect))) => connect,
        Ok(Ok(other)) => {
            let kind = ErrorKind::FirstPacketNotConnect(other.packet_type());
            tracing::debug!(%peer, rule = kind.rule(ProtocolVersion::V5).unwrap_or("-"), "refusing connection: {kind}");
            return None;
        }
    };

    let accepted = match handle::connect::accept(&shared, *connect, peer.clone()).await {
        Ok(accepted) => accepted,
        Err(refusal) => {
            let _ = write_and_close(&mut stream, &refusal).await;
            return None;
        }
    };
    decoder.set_version(accepted.state.version);
    Some(Link {
        stream,
        state: accepted.state,
        rbuf,
        decoder,
        kick: accepted.kick,
        done: accepted.done,
        shutdown,
    })
}

/// The main loop of an accepted connection, then its close.
async fn run<S>(mut link: Link<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let close = 'conn: loop {
        // Everything already buffered, in order. One clock read per batch:
        // these packets all arrived with the same read.
        let mut received_at = None;
        loop {
            match link.decoder.decode(&mut link.rbuf.buf) {
                Ok(Some(packet)) => {
                    let now = *received_at.get_or_insert_with(crate::clock::now);
                    link.state.keep_alive.on_packet(now);
                    if let Err(close) = handle::dispatch(&mut link.state, packet) {
                        break 'conn close;
                    }
                }
                Ok(None) => break,
                Err(e) => break 'conn Close::decode(&e),
            }
        }
        link.state.pump();
        if !link.state.out.is_empty() {
            tokio::select! {
                biased;
                r = link.stream.write_all(&link.state.out) => if r.is_err() { break Close::Network },
                _ = link.shutdown.changed() => break Close::Shutdown,
                _ = &mut link.kick => break Close::TakenOver,
            }
            link.state.release_output();
        }
        if *link.shutdown.borrow() {
            break Close::Shutdown;
        }
        link.rbuf.prepare();
        let deadline = link.state.keep_alive.deadline().map(Instant::from_std);
        tokio::select! {
            biased;
            _ = link.shutdown.changed() => break Close::Shutdown,
            _ = &mut link.kick => break Close::TakenOver,
            r = link.stream.read_buf(&mut link.rbuf.buf) => match r {
                Ok(0) | Err(_) => break Close::Network,
                Ok(n) => link.rbuf.after_read(n),
            },
            () = link.state.session.notified() => {}
            // No packet arrived by 1.5 x Keep Alive: the deadline is not
            // moved while waiting, so reaching it is the timeout.
            () = sleep_until(deadline) => break Close::KeepAlive,
        }
    };

    Box::pin(finish(&mut link.stream, &mut link.state, &close)).await;
    drop(link.done);
}

/// Logs the close, tells a v5 client why, flushes and lets the session go.
async fn finish<S>(stream: &mut S, state: &mut ConnState, close: &Close)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match close {
        Close::Violation { code, rule, detail } => tracing::debug!(
            client_id = %state.client_id, peer = %state.peer, rule = rule.unwrap_or("-"),
            "closing: {detail} (reason 0x{:02X})", code.as_u8()
        ),
        other => {
            tracing::debug!(client_id = %state.client_id, peer = %state.peer, "closing: {other:?}")
        }
    }
    if close != &Close::Network {
        if let (true, Some(code)) = (state.is_v5(), close.disconnect_code()) {
            state.send(Disconnect::new(code));
        }
        if !state.out.is_empty() {
            let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, stream.write_all(&state.out)).await;
        }
        let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, stream.shutdown()).await;
    }
    let departure = match close {
        // Only a normal DISCONNECT discards the will ([MQTT-3.1.2-10]); a
        // broker shutting down closes connections without one, so their wills
        // are published ([MQTT-3.1.2-8]).
        Close::Disconnect { with_will: false } => Departure::Normal,
        _ => Departure::Abnormal,
    };
    state.shared.detach(
        &state.session,
        state.generation,
        state.will.take().map(|w| *w),
        departure,
        state.expiry_interval,
    );
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

enum ReadError {
    Closed,
    Decode(midge_proto::DecodeError),
}

async fn read_packet<S>(
    stream: &mut S,
    rbuf: &mut ReadBuf,
    decoder: &mut Decoder,
) -> Result<Packet, ReadError>
where
    S: AsyncRead + Unpin,
{
    loop {
        match decoder.decode(&mut rbuf.buf) {
            Ok(Some(packet)) => return Ok(packet),
            Ok(None) => {}
            Err(e) => return Err(ReadError::Decode(e)),
        }
        rbuf.prepare();
        match stream.read_buf(&mut rbuf.buf).await {
            Ok(0) | Err(_) => return Err(ReadError::Closed),
            Ok(n) => rbuf.after_read(n),
        }
    }
}

async fn write_and_close<S>(stream: &mut S, bytes: &[u8]) -> std::io::Result<()>
where
    S: AsyncWrite + Unpin,
{
    tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, async {
        stream.write_all(bytes).await?;
        stream.shutdown().await
    })
    .await
    .unwrap_or(Ok(()))
}
