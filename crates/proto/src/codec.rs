//! Incremental decoding: find packet boundaries in a byte stream, enforce the
//! maximum packet size from the fixed header alone, and split each complete packet
//! off the read buffer without copying it.

use bytes::{Buf, BytesMut};

use crate::error::{DecodeError, ErrorKind};
use crate::packet::Packet;
use crate::types::{PacketType, ProtocolVersion};
use crate::varint::{self, VarInt};

/// The fixed header of a packet (section 2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHeader {
    /// Packet type (high nibble of byte 1).
    pub packet_type: PacketType,
    /// Flags (low nibble of byte 1).
    pub flags: u8,
    /// Remaining Length: bytes after the fixed header.
    pub remaining_length: u32,
    /// Length of the fixed header itself (2 to 5 bytes).
    pub header_len: usize,
}

impl FixedHeader {
    /// Size of the whole packet: header plus Remaining Length.
    pub fn packet_len(&self) -> usize {
        self.header_len + self.remaining_length as usize
    }

    /// Parses the fixed header at the front of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` ends inside the header. Fails as soon as the
    /// Remaining Length is known if the packet would exceed `max_packet_size`, so a
    /// caller never buffers an oversized packet. `version` only scopes the error.
    pub fn parse(
        buf: &[u8],
        max_packet_size: u32,
        version: ProtocolVersion,
    ) -> Result<Option<Self>, DecodeError> {
        let err = |kind| DecodeError::new(kind, version);
        let Some((&first, rest)) = buf.split_first() else {
            return Ok(None);
        };
        let nibble = first >> 4;
        let packet_type = PacketType::from_nibble(nibble)
            .filter(|t| version.is_v5() || *t != PacketType::Auth)
            .ok_or(err(ErrorKind::ReservedPacketType(nibble)))?;
        let (remaining_length, n) = match varint::decode(rest).map_err(err)? {
            VarInt::Value(v, n) => (v, n),
            VarInt::Incomplete => return Ok(None),
        };
        let header = Self {
            packet_type,
            flags: first & 0x0F,
            remaining_length,
            header_len: 1 + n,
        };
        let size = header.packet_len() as u64;
        if size > u64::from(max_packet_size) {
            return Err(err(ErrorKind::PacketTooLarge {
                size,
                max: max_packet_size,
            }));
        }
        Ok(Some(header))
    }
}

/// Outcome of looking for a complete packet at the front of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// A whole packet is buffered.
    Complete(FixedHeader),
    /// More bytes are needed; `at_least` is a lower bound on how many (1 while the
    /// fixed header itself is incomplete).
    Incomplete {
        /// Minimum number of further bytes before a packet can be complete.
        at_least: usize,
    },
}

/// Checks whether `buf` starts with a complete packet, without decoding its body.
pub fn frame(
    buf: &[u8],
    max_packet_size: u32,
    version: ProtocolVersion,
) -> Result<Frame, DecodeError> {
    Ok(match FixedHeader::parse(buf, max_packet_size, version)? {
        None => Frame::Incomplete { at_least: 1 },
        Some(h) if buf.len() < h.packet_len() => Frame::Incomplete {
            at_least: h.packet_len() - buf.len(),
        },
        Some(h) => Frame::Complete(h),
    })
}

/// Decodes one packet from the front of `buf`.
///
/// Returns `Ok(None)` if `buf` does not yet hold a whole packet (nothing is
/// consumed), or splits the packet off `buf` and decodes it; the packet's payload,
/// topic and strings share the split-off bytes. `version` is `None` on a server
/// before CONNECT.
pub fn decode(
    buf: &mut BytesMut,
    version: Option<ProtocolVersion>,
    max_packet_size: u32,
) -> Result<Option<Packet>, DecodeError> {
    let scope = version.unwrap_or(ProtocolVersion::V5);
    let header = match frame(buf, max_packet_size, scope)? {
        Frame::Incomplete { .. } => return Ok(None),
        Frame::Complete(h) => h,
    };
    let mut bytes = buf.split_to(header.packet_len()).freeze();
    bytes.advance(header.header_len);
    Packet::decode_body(header, bytes, version).map(Some)
}

/// A stateful decoder for one connection: remembers the protocol version (taken
/// from the first CONNECT seen, or set by the client) and the size limit.
#[derive(Debug, Clone)]
pub struct Decoder {
    version: Option<ProtocolVersion>,
    max_packet_size: u32,
}

impl Decoder {
    /// A server-side decoder: the version is learnt from CONNECT.
    pub fn new(max_packet_size: u32) -> Self {
        Self {
            version: None,
            max_packet_size,
        }
    }

    /// A decoder for a known version (client side).
    pub fn with_version(version: ProtocolVersion, max_packet_size: u32) -> Self {
        Self {
            version: Some(version),
            max_packet_size,
        }
    }

    /// The protocol version in force, if known.
    pub fn version(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// Sets the protocol version.
    pub fn set_version(&mut self, version: ProtocolVersion) {
        self.version = Some(version);
    }

    /// The maximum packet size accepted.
    pub fn max_packet_size(&self) -> u32 {
        self.max_packet_size
    }

    /// Changes the maximum packet size accepted.
    pub fn set_max_packet_size(&mut self, max: u32) {
        self.max_packet_size = max;
    }

    /// Decodes the next packet from `buf`; see [`decode`].
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Packet>, DecodeError> {
        let packet = decode(buf, self.version, self.max_packet_size)?;
        if let (None, Some(Packet::Connect(c))) = (self.version, &packet) {
            self.version = Some(c.protocol);
        }
        Ok(packet)
    }
}
