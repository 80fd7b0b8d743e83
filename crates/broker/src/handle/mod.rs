//! One handler per packet kind. Each takes the connection state and one
//! decoded packet, writes its responses into the output buffer and returns
//! `Err(Close)` when the connection must end.

pub mod ack;
pub mod connect;
pub mod disconnect;
pub mod publish;
pub mod subscribe;
pub mod unsubscribe;

use midge_proto::{ErrorKind, Packet, ReasonCode};

use crate::connection::{Close, ConnState};

/// Handles one packet received after CONNECT.
pub fn dispatch(state: &mut ConnState, packet: Packet) -> Result<(), Close> {
    match packet {
        Packet::Publish(p) => publish::handle(state, p),
        Packet::PubAck(p) => ack::puback(state, p),
        Packet::PubRec(p) => ack::pubrec(state, p),
        Packet::PubRel(p) => ack::pubrel(state, p),
        Packet::PubComp(p) => ack::pubcomp(state, p),
        Packet::Subscribe(s) => subscribe::handle(state, s),
        Packet::Unsubscribe(u) => unsubscribe::handle(state, u),
        Packet::PingReq => {
            // [MQTT-3.12.4-1]
            state.send(Packet::PingResp);
            Ok(())
        }
        Packet::Disconnect(d) => disconnect::handle(state, d),
        // Re-authentication is not supported: no method was agreed in CONNECT.
        Packet::Auth(_) => Err(Close::refuse(
            ReasonCode::BadAuthenticationMethod,
            None,
            "AUTH packet but no authentication method is supported",
        )),
        Packet::Connect(_) => Err(Close::violation(ErrorKind::SecondConnect, state.version)),
        other @ (Packet::ConnAck(_)
        | Packet::SubAck(_)
        | Packet::UnsubAck(_)
        | Packet::PingResp) => Err(Close::violation(
            ErrorKind::UnexpectedPacket(other.packet_type()),
            state.version,
        )),
    }
}
