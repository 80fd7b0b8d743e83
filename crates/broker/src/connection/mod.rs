//! The connection driver: one task per connection owns its socket, reads and
//! decodes packets, hands each to its handler (`crate::handle`), moves queued
//! deliveries onto the socket and writes everything produced in one turn with
//! one write call.
//!
//! Generic over the byte stream, so tests drive it over in-memory pipes on a
//! virtual clock as well as over TCP.

mod read_buf;
mod state;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::BytesMut;
use midge_proto::{Decoder, Disconnect, ErrorKind, Packet, ProtocolVersion};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, Sleep};

use crate::broker::{Departure, Shared};
use crate::handle;
use crate::metrics::Metrics;
use crate::session::Signal;
use read_buf::ReadBuf;
pub use state::{Close, ConnState};

/// How long the final packets of a closing connection may take to write.
const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// Longest a publisher is held back by subscribers whose queues its messages
/// filled (flow control): past it, they are slow consumers whose queues
/// overflow by policy, and the publisher reads on.
const MAX_HELD_BACK: Duration = Duration::from_secs(1);

/// Serves one client connection from its first byte to its close, within
/// `limits.max_connections` (a connection over it is closed at once).
///
/// The CONNECT phase runs in its own boxed future, freed once the connection
/// is accepted, so the long-lived task holds only what the session needs.
pub fn serve<S>(shared: Arc<Shared>, stream: S, peer: String) -> impl Future<Output = ()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // What the returned future holds across `.await`s is what every
    // connection costs. So it captures only the connection slot and the
    // CONNECT phase, boxed here (freed once done); the accepted link is
    // assigned in a statement of its own (awaited in an `if let`, it would
    // take room twice for the whole connection: the awaited value and the
    // binding moved out of it).
    let start = match shared.open_connection() {
        Some(slot) => {
            Metrics::bump(&shared.metrics.connections_accepted);
            Some((slot, Box::pin(handshake(shared, stream, peer))))
        }
        None => {
            Metrics::bump(&shared.metrics.connections_refused);
            tracing::warn!(%peer, "connection limit reached (limits.max_connections); closing");
            None
        }
    };
    async move {
        let Some((_slot, handshake)) = start else {
            return;
        };
        let mut link = handshake.await;
        if let Some(link) = &mut link {
            run(link).await;
        }
    }
}

/// An accepted connection, ready for its main loop.
struct Link<S> {
    stream: S,
    state: ConnState,
    rbuf: ReadBuf,
    decoder: Decoder,
}

/// What ended a wait of the main loop.
enum Event {
    /// Bytes arrived.
    Read,
    /// Deliveries may be waiting.
    Deliveries,
    /// The congested subscribers no longer hold this connection back.
    Drained,
    /// The connection must close.
    Close(Close),
}

/// The CONNECT phase: reads CONNECT (in time) and accepts or refuses it;
/// the accepted connection, or `None` once refused.
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
    })
}

/// The main loop of an accepted connection, then its close.
///
/// Each turn handles what was read, moves queued deliveries to the output,
/// writes it in one go, then waits for bytes, deliveries, the keep-alive
/// deadline or a reason to go. The waits are hand-polled over state kept in
/// `link` and one timer re-armed in place, so an idle connection's task is
/// small.
async fn run<S>(link: &mut Link<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // The one timer: the keep-alive deadline, or while held back by
    // congested subscribers (flow control) the end of that wait. Armed only
    // while one of them is set.
    let mut timer = std::pin::pin!(tokio::time::sleep_until(Instant::now()));
    let mut armed = false;
    let mut held_back = false;
    let close = 'conn: {
        // The CONNACK (and any packets re-sent with it) first, from a buffer let
        // go at once: an idle connection keeps no output buffer.
        if let Err(close) = link.flush().await {
            break 'conn close;
        }
        link.state.out = BytesMut::new();
        loop {
            // Everything already buffered, in order, unless congested subscribers
            // hold the connection back (flow control: the rest waits in the
            // buffer). One clock read per batch: these packets all arrived with
            // the same read.
            let mut received_at = None;
            while link.state.congested.is_empty() {
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
                if let Err(close) = link.flush().await {
                    break close;
                }
                link.state.release_output();
            }
            link.rbuf.prepare();
            if link.state.congested.is_empty() {
                held_back = false;
                // No packet arrived by 1.5 x Keep Alive: the deadline is not
                // moved while waiting, so reaching it is the timeout.
                match link.state.keep_alive.deadline().map(Instant::from_std) {
                    Some(at) if !armed || timer.deadline() != at => {
                        timer.as_mut().reset(at);
                        armed = true;
                    }
                    Some(_) => {}
                    None => armed = false,
                }
            } else if !held_back {
                held_back = true;
                timer
                    .as_mut()
                    .reset(Instant::from_std(crate::clock::now()) + MAX_HELD_BACK);
                armed = true;
            }
            match link.wait(armed.then_some(timer.as_mut())).await {
                Event::Read | Event::Deliveries => {}
                // The hold is over: the next one gets the whole time again.
                Event::Drained => held_back = false,
                Event::Close(close) => break close,
            }
        }
    };

    Box::pin(finish(&mut link.stream, &mut link.state, close)).await;
}

impl<S> Link<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// A reason to go, if any, else `None`; the task is woken for one.
    fn poll_go(&self, cx: &mut Context<'_>, take_deliveries: bool) -> Poll<Signal> {
        let state = &self.state;
        state.session.poll_signal(
            cx,
            state.generation,
            state.shared.shutdown_flag(),
            take_deliveries,
        )
    }

    /// Writes the output buffer, unless the connection must go first.
    async fn flush(&mut self) -> Result<(), Close> {
        let mut written = 0;
        std::future::poll_fn(|cx| {
            let go = match self.poll_go(cx, false) {
                Poll::Ready(Signal::TakenOver) => Some(Close::TakenOver),
                Poll::Ready(Signal::Shutdown) => Some(Close::Shutdown),
                Poll::Ready(Signal::Deliveries) | Poll::Pending => None,
            };
            if let Some(close) = go {
                // What was written is gone: the final write goes on from
                // there, not from the first byte again.
                let _ = self.state.out.split_to(written.min(self.state.out.len()));
                return Poll::Ready(Err(close));
            }
            while let Some(rest) = self.state.out.get(written..).filter(|r| !r.is_empty()) {
                match Pin::new(&mut self.stream).poll_write(cx, rest) {
                    Poll::Ready(Ok(0) | Err(_)) => return Poll::Ready(Err(Close::Network)),
                    Poll::Ready(Ok(n)) => written += n,
                    Poll::Pending => return Poll::Pending,
                }
            }
            match Pin::new(&mut self.stream).poll_flush(cx) {
                Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
                Poll::Ready(Err(_)) => Poll::Ready(Err(Close::Network)),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }

    /// The wait of a connection held back by congested subscribers: over
    /// once they have drained, or at `timer` (they are then marked slow).
    fn poll_held_back(
        &mut self,
        cx: &mut Context<'_>,
        deliveries: bool,
        timer: Option<&mut Pin<&mut Sleep>>,
    ) -> Poll<Event> {
        let limits = self.state.shared.queue_limits();
        self.state
            .congested
            .retain(|s| s.poll_drained(cx, &limits).is_pending());
        if self.state.congested.is_empty() {
            return Poll::Ready(Event::Drained);
        }
        // The deadline before this connection's own deliveries: a steady
        // stream of them must not stretch the hold.
        if timer.is_some_and(|t| t.as_mut().poll(cx).is_ready()) {
            for session in self.state.congested.drain(..) {
                tracing::debug!(client_id = %session.client_id(), "slow consumer: held a publisher back too long; its queue now overflows by policy");
                session.mark_slow(cx.waker());
            }
            return Poll::Ready(Event::Drained);
        }
        if deliveries {
            return Poll::Ready(Event::Deliveries);
        }
        Poll::Pending
    }

    /// Waits for bytes, deliveries, the keep-alive deadline (`timer`, if
    /// set) or a reason to go, in that order of precedence: going first,
    /// then reading. While congested subscribers hold the connection back
    /// (flow control), it waits for them to drain instead of for bytes, at
    /// most until `timer`, and still sends its own deliveries meanwhile.
    async fn wait(&mut self, mut timer: Option<Pin<&mut Sleep>>) -> Event {
        std::future::poll_fn(|cx| {
            let deliveries = match self.poll_go(cx, true) {
                Poll::Ready(Signal::TakenOver) => {
                    return Poll::Ready(Event::Close(Close::TakenOver));
                }
                Poll::Ready(Signal::Shutdown) => return Poll::Ready(Event::Close(Close::Shutdown)),
                Poll::Ready(Signal::Deliveries) => true,
                Poll::Pending => false,
            };
            if !self.state.congested.is_empty() {
                return self.poll_held_back(cx, deliveries, timer.as_mut());
            }
            match self.rbuf.poll_read(cx, &mut self.stream) {
                Poll::Ready(Ok(0) | Err(_)) => return Poll::Ready(Event::Close(Close::Network)),
                Poll::Ready(Ok(_)) => return Poll::Ready(Event::Read),
                Poll::Pending => {}
            }
            // The keep-alive deadline before deliveries: a steady stream of
            // them must not keep a silent client's connection open.
            if let Some(Poll::Ready(())) = timer.as_mut().map(|t| t.as_mut().poll(cx)) {
                return Poll::Ready(Event::Close(Close::KeepAlive));
            }
            if deliveries {
                return Poll::Ready(Event::Deliveries);
            }
            Poll::Pending
        })
        .await
    }
}

/// Logs the close, tells a v5 client why, flushes and lets the session go.
async fn finish<S>(stream: &mut S, state: &mut ConnState, close: Close)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match &close {
        Close::Violation { code, rule, detail } => tracing::debug!(
            client_id = %state.client_id(), peer = %state.peer, rule = rule.unwrap_or("-"),
            "closing: {detail} (reason 0x{:02X})", code.as_u8()
        ),
        other => {
            tracing::debug!(client_id = %state.client_id(), peer = %state.peer, "closing: {other:?}")
        }
    }
    if close != Close::Network {
        if let (true, Some(code)) = (state.is_v5(), close.disconnect_code()) {
            state.send(Disconnect::new(code));
        }
        if !state.out.is_empty() {
            let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, stream.write_all(&state.out)).await;
        }
        let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, stream.shutdown()).await;
    }
    // Held back when it ended: no longer waiting for those queues to drain.
    if !state.congested.is_empty() {
        let waker = std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
        for session in state.congested.drain(..) {
            session.forget_drain_waiter(&waker);
        }
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
        match rbuf.read(stream).await {
            Ok(0) | Err(_) => return Err(ReadError::Closed),
            Ok(_) => {}
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
