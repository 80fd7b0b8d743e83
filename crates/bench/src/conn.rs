//! A lean raw MQTT connection for load generation: one socket, the codec, a
//! read buffer and a write buffer that many packets are encoded into before
//! one write.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use midge_proto::{ByteString, ConnAck, Connect, Decoder, Packet, ProtocolVersion, Publish};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::BenchError;

/// How long to wait for a TCP connection and its CONNACK.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// One benchmark connection.
pub(crate) struct Conn {
    stream: TcpStream,
    rbuf: BytesMut,
    /// Packets waiting to be written.
    pub(crate) out: BytesMut,
    decoder: Decoder,
    pub(crate) version: ProtocolVersion,
}

impl Conn {
    /// Connects with a clean session, keep alive off, and returns the CONNACK.
    pub(crate) async fn open(
        addr: SocketAddr,
        version: ProtocolVersion,
        client_id: &str,
    ) -> Result<(Conn, ConnAck), BenchError> {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| BenchError::new(format!("connecting to {addr} timed out")))?
            .map_err(|e| BenchError::new(format!("cannot connect to {addr}: {e}")))?;
        stream
            .set_nodelay(true)
            .map_err(|e| BenchError::new(format!("socket option: {e}")))?;
        let mut conn = Conn {
            stream,
            rbuf: BytesMut::with_capacity(64 * 1024),
            out: BytesMut::with_capacity(64 * 1024),
            decoder: Decoder::with_version(version, u32::MAX),
            version,
        };
        let mut connect = Connect::new(version, ByteString::from(client_id));
        connect.clean_start = true;
        connect.keep_alive = 0;
        conn.encode(Packet::Connect(Box::new(connect)))?;
        conn.flush().await?;
        let packet = tokio::time::timeout(CONNECT_TIMEOUT, conn.next())
            .await
            .map_err(|_| BenchError::new(format!("no CONNACK from {addr} for {client_id}")))??;
        match packet {
            Some(Packet::ConnAck(connack)) if !connack.reason_code.is_error() => {
                Ok((conn, *connack))
            }
            Some(Packet::ConnAck(connack)) => Err(BenchError::new(format!(
                "{client_id}: connection refused: {} (0x{:02X})",
                connack.reason_code.description(),
                connack.reason_code.as_u8()
            ))),
            Some(other) => Err(BenchError::new(format!(
                "{client_id}: expected CONNACK, got {:?}",
                other.packet_type()
            ))),
            None => Err(BenchError::new(format!(
                "{client_id}: connection closed before CONNACK"
            ))),
        }
    }

    /// Encodes `packet` into the write buffer.
    pub(crate) fn encode(&mut self, packet: Packet) -> Result<(), BenchError> {
        packet
            .encode(self.version, &mut self.out)
            .map_err(|e| BenchError::new(format!("encode: {e}")))
    }

    /// Buffers a PUBLISH (encoded where it lies: no `Packet` to box it in).
    pub(crate) fn encode_publish(&mut self, publish: &Publish) -> Result<(), BenchError> {
        publish
            .encode(self.version, &mut self.out)
            .map_err(|e| BenchError::new(format!("encode: {e}")))
    }

    /// Writes everything buffered.
    pub(crate) async fn flush(&mut self) -> Result<(), BenchError> {
        if !self.out.is_empty() {
            self.stream
                .write_all(&self.out)
                .await
                .map_err(|e| BenchError::new(format!("write: {e}")))?;
            self.out.clear();
        }
        Ok(())
    }

    /// A packet already buffered, without reading.
    pub(crate) fn buffered(&mut self) -> Result<Option<Packet>, BenchError> {
        self.decoder
            .decode(&mut self.rbuf)
            .map_err(|e| BenchError::new(format!("broker sent an invalid packet: {e}")))
    }

    /// Reads more bytes; `false` when the broker closed the connection.
    pub(crate) async fn read_more(&mut self) -> Result<bool, BenchError> {
        self.rbuf.reserve(32 * 1024);
        let n = self
            .stream
            .read_buf(&mut self.rbuf)
            .await
            .map_err(|e| BenchError::new(format!("read: {e}")))?;
        Ok(n > 0)
    }

    /// The next packet (reading as needed); `None` at end of stream.
    pub(crate) async fn next(&mut self) -> Result<Option<Packet>, BenchError> {
        loop {
            if let Some(p) = self.buffered()? {
                return Ok(Some(p));
            }
            if !self.read_more().await? {
                return Ok(None);
            }
        }
    }

    /// Sends DISCONNECT and closes.
    pub(crate) async fn close(mut self) {
        let _ = self.encode(Packet::Disconnect(midge_proto::Disconnect::new(
            midge_proto::ReasonCode::Success,
        )));
        let _ = self.flush().await;
        let _ = self.stream.shutdown().await;
    }
}
