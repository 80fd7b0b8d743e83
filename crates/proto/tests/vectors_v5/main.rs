//! Byte-exact MQTT 5.0 test vectors for all 15 control packets.
//!
//! Every expected byte string below was written by hand from the packet layouts
//! in the MQTT 5.0 specification (figures in chapter 3, Table 1-1 for Variable Byte
//! Integers, Table 2-4 for properties, Table 2-6 for reason codes); none was
//! produced by running the encoder. Where the encoding is canonical each vector
//! is checked in both directions: decoding the bytes gives the expected packet,
//! and encoding the packet gives exactly the bytes (and `Packet::encoded_len`
//! agrees with the number of bytes written). Non-canonical but valid encodings
//! (properties in another order, explicit Success reason codes) are decode-only.
//!
//! Properties inside one block are written in the order the encoder emits them;
//! the specification gives that order no significance (section 2.2.2.2).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

#[macro_use]
mod common;

mod acks;
mod connect;
mod decoder;
mod encoder;
mod ping_disconnect_auth;
mod properties;
mod publish;
mod reason_codes;
mod subscribe;
