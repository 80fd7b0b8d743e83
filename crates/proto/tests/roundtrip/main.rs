//! Codec round trips: every valid packet of MQTT 3.1, 3.1.1 and 5.0 survives
//! `decode(encode(p)) == p`, whole, split across two reads, back to back with
//! another packet and fed to a [`Decoder`] in arbitrary chunks; and decoding
//! arbitrary bytes never panics and only ever yields packets that round-trip.
//!
//! The strategies generate only what each version can express: no properties,
//! no AUTH and only the reason codes with a 3.x return code for 3.x; reason codes
//! allowed by [`ReasonCode::is_valid_for`] for 5.0.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod examples;
mod properties;
mod strategies;
