//! Negative decoding tests: one per malformed-packet / protocol-error rule of
//! sections 1 to 4.8 of MQTT 3.1.1 and 5.0 that a receiver can detect from the
//! bytes of a single packet.
//!
//! Statement IDs are version-scoped, so the tests live in `v5`, `v311` and `v31`
//! modules. Each test asserts the exact `ErrorKind`, the reason code a Server
//! would answer with, the normative statement returned by `DecodeError::rule`
//! and that the error's `Display` names that statement in brackets.
//!
//! Vectors are written as packet bodies; `frame` adds the first byte and the
//! Remaining Length so the bytes on the wire stay readable.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;
mod v31;
mod v311;
mod v5;
