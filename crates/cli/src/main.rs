//! `midge`: the Midge command line. One binary: the broker (`midge broker`)
//! and the client tools (`midge pub`, `midge sub`, `midge rr`, compatible with
//! `mosquitto_pub`, `mosquitto_sub` and `mosquitto_rr` 2.x) and the load
//! generator (`midge bench`); `passwd` joins them.
//!
//! # Layout
//! - `main.rs`: argument parsing and dispatch: one [`Command`] variant per
//!   subcommand, each returning `anyhow::Result<ExitCode>`.
//! - `broker.rs`: `midge broker`: configuration, logging, signals.
//! - `client_args.rs`: the flags `pub`, `sub` and `rr` share (connection,
//!   credentials, protocol version, will, `-d`, `--quiet`), resolved into
//!   `midge_client::ConnectOptions`; connecting with `-d` output; exit codes.
//! - `properties.rs`: `-D command identifier value` (MQTT 5.0 properties).
//! - `format.rs`: printing received messages (`-v`, `-N`, `-F`, `--pretty`).
//! - `pub_cmd.rs`, `sub_cmd.rs`, `rr_cmd.rs`: the three client tools.
//! - `bench.rs`: `midge bench`, running a `midge-bench` scenario.

mod bench;
mod broker;
mod client_args;
mod format;
mod properties;
mod pub_cmd;
mod rr_cmd;
mod sub_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Midge: an MQTT 3.1 / 3.1.1 / 5.0 broker and toolkit.
#[derive(Debug, Parser)]
#[command(name = "midge", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands, one variant each.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the MQTT broker (default: 127.0.0.1:1883, state in ./midge-data).
    Broker(broker::BrokerArgs),
    /// Publish one message, a file, or each line of standard input (like
    /// mosquitto_pub).
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Pub(pub_cmd::PubArgs),
    /// Subscribe and print the messages received (like mosquitto_sub).
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Sub(sub_cmd::SubArgs),
    /// Publish a request and print the response (like mosquitto_rr; MQTT 5).
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Rr(rr_cmd::RrArgs),
    /// Load-test an MQTT broker: fan-in, fan-out, pairs, pub, sub, conn,
    /// retained; exact loss and latency percentiles.
    #[command(disable_version_flag = true)]
    Bench(midge_bench::BenchArgs),
}

impl Command {
    /// Runs the subcommand; the exit status is its result.
    fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Command::Broker(args) => broker::run(args).map(|()| ExitCode::SUCCESS),
            Command::Pub(args) => pub_cmd::run(args),
            Command::Sub(args) => sub_cmd::run(args),
            Command::Rr(args) => rr_cmd::run(args),
            Command::Bench(args) => bench::run(args),
        }
    }
}

/// Subcommands whose invalid arguments exit with status 1, like Mosquitto's
/// clients (clap's own status for usage errors is 2).
const CLIENT_TOOLS: [&str; 3] = ["pub", "sub", "rr"];

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let tool = std::env::args().nth(1);
            let is_client_tool = tool.as_deref().is_some_and(|t| CLIENT_TOOLS.contains(&t));
            return if !e.use_stderr() {
                // --help, --version.
                ExitCode::SUCCESS
            } else if is_client_tool {
                ExitCode::FAILURE
            } else {
                ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
            };
        }
    };
    match cli.command.run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("midge: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
