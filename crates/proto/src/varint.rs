//! Variable Byte Integer (MQTT 5.0 section 1.5.5, 3.1.1 section 2.2.3).

use bytes::BufMut;

use crate::error::ErrorKind;

/// The largest value a Variable Byte Integer can hold (268,435,455).
pub const MAX: u32 = 268_435_455;

/// Outcome of reading a Variable Byte Integer from the front of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarInt {
    /// The value and how many bytes encoded it.
    Value(u32, usize),
    /// The buffer ends before the last byte of the integer.
    Incomplete,
}

/// Reads a Variable Byte Integer from the front of `buf`.
///
/// Rejects encodings longer than four bytes and, per [MQTT-1.5.5-1], encodings that
/// are not the shortest possible (a final byte of 0x00 after a continuation byte).
pub fn decode(buf: &[u8]) -> Result<VarInt, ErrorKind> {
    let mut value: u32 = 0;
    for (i, &byte) in buf.iter().enumerate().take(4) {
        value |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            if i > 0 && byte == 0 {
                return Err(ErrorKind::VarIntNotMinimal);
            }
            return Ok(VarInt::Value(value, i + 1));
        }
    }
    if buf.len() >= 4 {
        Err(ErrorKind::VarIntTooLong)
    } else {
        Ok(VarInt::Incomplete)
    }
}

/// Number of bytes the encoding of `value` takes (1 to 4). Values above [`MAX`]
/// are the caller's error; they count as 4.
pub const fn len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Appends the encoding of `value`, which must be at most [`MAX`].
pub fn put(buf: &mut impl BufMut, mut value: u32) {
    debug_assert!(value <= MAX);
    loop {
        let mut byte = (value & 0x7F) as u8;
        value >>= 7;
        if value > 0 {
            byte |= 0x80;
        }
        buf.put_u8(byte);
        if value == 0 {
            break;
        }
    }
}
