//! Primitive data representations (MQTT 5.0 section 1.5): a zero-copy reader over a
//! packet body and the writing helpers with their exact lengths.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use bytestring::ByteString;

use crate::error::{EncodeError, ErrorKind};
use crate::varint::{self, VarInt};

/// Reads fields from the body of one packet. Every slice it returns shares the
/// packet's buffer: nothing is copied.
pub(crate) struct Reader {
    buf: Bytes,
}

impl Reader {
    pub(crate) fn new(buf: Bytes) -> Self {
        Self { buf }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Fails with [`ErrorKind::TrailingBytes`] unless everything was read.
    pub(crate) fn finish(&self) -> Result<(), ErrorKind> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(ErrorKind::TrailingBytes)
        }
    }

    fn need(&self, n: usize) -> Result<(), ErrorKind> {
        if self.buf.len() >= n {
            Ok(())
        } else {
            Err(ErrorKind::Truncated)
        }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, ErrorKind> {
        self.need(1)?;
        Ok(self.buf.get_u8())
    }

    pub(crate) fn u16(&mut self) -> Result<u16, ErrorKind> {
        self.need(2)?;
        Ok(self.buf.get_u16())
    }

    pub(crate) fn u32(&mut self) -> Result<u32, ErrorKind> {
        self.need(4)?;
        Ok(self.buf.get_u32())
    }

    pub(crate) fn varint(&mut self) -> Result<u32, ErrorKind> {
        match varint::decode(&self.buf)? {
            VarInt::Value(v, n) => {
                self.buf.advance(n);
                Ok(v)
            }
            VarInt::Incomplete => Err(ErrorKind::Truncated),
        }
    }

    /// The next `n` bytes, shared with the packet buffer.
    pub(crate) fn take(&mut self, n: usize) -> Result<Bytes, ErrorKind> {
        self.need(n)?;
        Ok(self.buf.split_to(n))
    }

    /// Everything left, shared with the packet buffer.
    pub(crate) fn rest(&mut self) -> Bytes {
        self.buf.split_off(0)
    }

    /// Binary Data: a two-byte length and that many bytes.
    pub(crate) fn binary(&mut self) -> Result<Bytes, ErrorKind> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }

    /// A string checked for UTF-8 only ([MQTT-1.5.4-1]): for fields whose own type
    /// checks U+0000 in the same pass as its other rules (topic names).
    pub(crate) fn utf8(&mut self) -> Result<ByteString, ErrorKind> {
        ByteString::try_from(self.binary()?).map_err(|_| ErrorKind::InvalidUtf8)
    }

    /// A UTF-8 Encoded String, validated per [MQTT-1.5.4-1] and [MQTT-1.5.4-2].
    pub(crate) fn string(&mut self) -> Result<ByteString, ErrorKind> {
        let raw = self.binary()?;
        to_string(raw)
    }
}

/// Validates `raw` as an MQTT UTF-8 Encoded String without copying it.
pub(crate) fn to_string(raw: Bytes) -> Result<ByteString, ErrorKind> {
    if raw.contains(&0) {
        return Err(ErrorKind::NullCharacter);
    }
    // `str::from_utf8` rejects overlong forms and encoded surrogates U+D800..U+DFFF.
    ByteString::try_from(raw).map_err(|_| ErrorKind::InvalidUtf8)
}

/// Encoded length of a string or binary field: two length bytes plus the data.
pub(crate) const fn field_len(data_len: usize) -> usize {
    2 + data_len
}

/// Appends Binary Data (or the bytes of a UTF-8 string) with its two-byte length.
pub(crate) fn put_binary(buf: &mut BytesMut, data: &[u8]) -> Result<(), EncodeError> {
    let n = u16::try_from(data.len()).map_err(|_| EncodeError::FieldTooLong)?;
    buf.put_u16(n);
    buf.put_slice(data);
    Ok(())
}

/// Appends a UTF-8 Encoded String, refusing U+0000 ([MQTT-1.5.4-2]). Topic names
/// and filters are checked when constructed and go through [`put_binary`].
pub(crate) fn put_string(buf: &mut BytesMut, s: &str) -> Result<(), EncodeError> {
    if s.as_bytes().contains(&0) {
        return Err(EncodeError::Violates(ErrorKind::NullCharacter));
    }
    put_binary(buf, s.as_bytes())
}

/// Appends a Variable Byte Integer, failing above 268,435,455.
pub(crate) fn put_varint(buf: &mut BytesMut, v: u32) -> Result<(), EncodeError> {
    if v > varint::MAX {
        return Err(EncodeError::PacketTooLarge);
    }
    varint::put(buf, v);
    Ok(())
}
