//! `midge bench`: runs a `midge-bench` scenario and prints its report.

use std::process::ExitCode;

use anyhow::{Context, Result};

/// Runs the benchmark on a multi-threaded runtime; prints the summary (JSON
/// with `--json`).
pub(crate) fn run(args: midge_bench::BenchArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = runtime.block_on(midge_bench::run(&args, !args.json))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).context("cannot encode the report")?
        );
    } else {
        print!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}
