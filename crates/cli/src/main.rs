//! `midge`: the Midge command line. One binary: `midge broker` today; the
//! client tools (`pub`, `sub`, `rr`, `bench`, `passwd`) join it.
//!
//! # Layout
//! - `main.rs`: argument parsing and dispatch.
//! - `broker.rs`: `midge broker`: configuration, logging, signals.

mod broker;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Midge: an MQTT 3.1 / 3.1.1 / 5.0 broker and toolkit.
#[derive(Debug, Parser)]
#[command(name = "midge", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the MQTT broker (default: 127.0.0.1:1883, state in ./midge-data).
    Broker(broker::BrokerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Broker(args) => broker::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("midge: {e:#}");
            ExitCode::FAILURE
        }
    }
}
