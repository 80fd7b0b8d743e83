//! `midge broker`.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use midge_broker::config::ListenerConfig;
use midge_broker::{Broker, Config, MemoryStorage};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::reload;

/// Options of `midge broker`.
#[derive(Debug, Args)]
pub(crate) struct BrokerArgs {
    /// Port for every listener (default 1883).
    #[arg(short, long, value_name = "PORT")]
    port: Option<u16>,
    /// Address to listen on: an IPv4 or IPv6 address, optionally with a port
    /// ("0.0.0.0", "::1", "[::]:1884"). Repeat for several listeners. Replaces
    /// the listeners of the configuration file.
    #[arg(long, value_name = "ADDR")]
    bind: Vec<String>,
    /// Configuration file (TOML; see midge.example.toml).
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory for the broker's state (created if missing; default ./midge-data).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Log debug messages (-vv: trace).
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Log filter: error, warn, info, debug, trace, or directives such as
    /// "info,midge_broker=debug". Overrides -v and the configuration file.
    #[arg(long, value_name = "LEVEL")]
    log_level: Option<String>,
}

impl BrokerArgs {
    fn log_filter(&self, config: &Config) -> String {
        if let Some(level) = &self.log_level {
            return level.clone();
        }
        match self.verbose {
            0 => config.log.level.clone(),
            1 => "debug".to_owned(),
            _ => "trace".to_owned(),
        }
    }
}

/// Builds the configuration: file (or defaults), then command-line overrides.
fn load_config(args: &BrokerArgs) -> Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if !args.bind.is_empty() {
        config.listeners = args
            .bind
            .iter()
            .map(|b| parse_bind(b, args.port).map(|bind| ListenerConfig { bind }))
            .collect::<Result<_>>()?;
    } else if let Some(port) = args.port {
        for l in &mut config.listeners {
            l.bind.set_port(port);
        }
    }
    if let Some(dir) = &args.data_dir {
        config.data_dir.clone_from(dir);
    }
    if let Some(level) = &args.log_level {
        config.log.level.clone_from(level);
    }
    if let Err((key, message)) = config.validate() {
        bail!("invalid setting {key} (after command-line options): {message}");
    }
    Ok(config)
}

fn parse_bind(text: &str, port: Option<u16>) -> Result<SocketAddr> {
    if let Ok(mut addr) = text.parse::<SocketAddr>() {
        if let Some(p) = port {
            addr.set_port(p);
        }
        return Ok(addr);
    }
    let ip_text = text.trim_start_matches('[').trim_end_matches(']');
    match ip_text.parse::<IpAddr>() {
        Ok(ip) => Ok(SocketAddr::new(ip, port.unwrap_or(1883))),
        Err(_) => bail!(
            "--bind {text:?} is not an IP address or address:port (examples: 0.0.0.0, ::1, [::]:1884)"
        ),
    }
}

fn create_data_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))
}

/// Runs the broker until SIGINT or SIGTERM.
pub(crate) fn run(args: BrokerArgs) -> Result<()> {
    let config = load_config(&args)?;
    let filter = EnvFilter::try_new(args.log_filter(&config))
        .with_context(|| format!("invalid log level {:?}", args.log_filter(&config)))?;
    let (filter, log_handle) = reload::Layer::new(filter);
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .init();
    create_data_dir(&config.data_dir)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let broker = Broker::start(config.clone(), Arc::new(MemoryStorage::default())).await?;
        tracing::info!(
            "midge {} broker ready; state in {}",
            env!("CARGO_PKG_VERSION"),
            config.data_dir.display()
        );
        let mut current = config;
        let mut sigterm = signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut sighup = signal(tokio::signal::unix::SignalKind::hangup())?;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => { tracing::info!("SIGINT: shutting down"); break; }
                _ = sigterm.recv() => { tracing::info!("SIGTERM: shutting down"); break; }
                _ = sighup.recv() => {
                    current = reload_config(&args, &broker, current, &log_handle);
                }
            }
        }
        broker.shutdown().await;
        tracing::info!("stopped");
        Ok::<(), anyhow::Error>(())
    })
}

fn signal(kind: tokio::signal::unix::SignalKind) -> Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind).context("cannot install a signal handler")
}

/// SIGHUP: re-reads the configuration file and applies what can change at
/// runtime; reports the rest.
fn reload_config<S>(
    args: &BrokerArgs,
    broker: &Broker,
    current: Config,
    log_handle: &reload::Handle<EnvFilter, S>,
) -> Config {
    if args.config.is_none() {
        tracing::info!("SIGHUP: no configuration file (-c) to reload");
        return current;
    }
    let new = match load_config(args) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("SIGHUP: configuration not reloaded: {e:#}");
            return current;
        }
    };
    let plan = current.reload(&new);
    if plan.is_empty() {
        tracing::info!("SIGHUP: configuration unchanged");
        return current;
    }
    // Keep what cannot change while running.
    let mut applied = new;
    applied.listeners.clone_from(&current.listeners);
    applied.data_dir.clone_from(&current.data_dir);
    applied.retained.enabled = current.retained.enabled;
    match EnvFilter::try_new(args.log_filter(&applied)) {
        Ok(filter) => {
            if let Err(e) = log_handle.reload(filter) {
                tracing::error!("SIGHUP: log level not changed: {e}");
            }
        }
        Err(e) => tracing::error!("SIGHUP: invalid log level: {e}"),
    }
    broker.reload(applied.clone());
    if !plan.applied.is_empty() {
        tracing::info!("SIGHUP: applied {}", plan.applied.join(", "));
    }
    if !plan.needs_restart.is_empty() {
        tracing::warn!(
            "SIGHUP: {} changed but only take effect after a restart",
            plan.needs_restart.join(", ")
        );
    }
    applied
}
