//! Byte-exact test vectors for MQTT 3.1.1 (protocol level 4) and MQTT 3.1
//! (protocol level 3, protocol name `MQIsdp`).
//!
//! Every expected byte string below was written by hand from the packet layouts of
//! the MQTT 3.1.1 specification (section 3.x "Fixed header", "Variable header" and
//! "Payload" figures), never produced by running the encoder. Each vector is
//! checked in both directions: the bytes decode to the expected [`Packet`], and
//! that packet encodes to exactly the bytes.
//!
//! Normative statement IDs in comments (`[MQTT-x.y.z-n]`) are MQTT 3.1.1 IDs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;
mod connect;
mod connection;
mod encoder;
mod incremental;
mod publish;
mod subscribe;
mod v31;
