//! MQTT 5.0.

mod connect;
mod disconnect_auth;
mod header;
mod packet_size;
mod properties;
mod publish;
mod strings;
mod subscribe;
mod truncation;
mod vbi;
