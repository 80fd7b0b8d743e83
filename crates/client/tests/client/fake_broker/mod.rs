//! Against a scripted fake broker (exact wire behaviour): the [`Fake`]
//! listener of the crate root, whose accepted sockets each test drives packet
//! by packet.
//!
//! [`Fake`]: crate::Fake

mod connect;
mod disconnect;
mod keep_alive;
mod publish;
mod session;
mod topic_alias;
