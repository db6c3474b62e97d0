//! `discv5peer`: a discovery v5 node on sigp's `discv5` crate for interop tests.
//!
//! Prints one JSON line when ready (`enr`, `nodeId`, `port`), then answers JSON-line
//! commands from stdin (see README.md) until stdin closes or SIGTERM/SIGINT arrives.

mod args;
mod commands;
mod node;

use std::io::Write;
use std::process::ExitCode;

use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::signal::unix::{signal, SignalKind};

use commands::Outcome;

fn main() -> ExitCode {
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    // One thread: a test peer should not compete with the tests for the CPU.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(serve(args));
    // Stdin is read on a blocking thread that a signal leaves waiting; an ordinary drop of
    // the runtime would wait for it forever. The process exits right after.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Silent unless `RUST_LOG` is set (and not empty); then the crate's tracing goes to stderr.
fn init_logging() {
    if std::env::var_os("RUST_LOG").is_none_or(|filter| filter.is_empty()) {
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}

/// Writes one JSON line to stdout. Lines are written whole under the stdout lock, so
/// answers finishing at once never interleave.
fn emit(line: &Value) {
    let mut out = std::io::stdout().lock();
    // a closed stdout means our parent is gone; stdin closes too and we stop there
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

async fn serve(args: args::Args) -> Result<(), String> {
    // handlers first: a signal that arrives right after the ready line must not kill us
    let mut terminate = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut node = node::start(&args).await?;
    emit(&json!({
        "enr": node.enr.to_base64(),
        "nodeId": hex::encode(node.enr.node_id().raw()),
        "port": node.port,
    }));
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => handle_line(&node.discv5, &line),
                // end of input (or an unreadable stdin): our parent is done with us
                Ok(None) | Err(_) => break,
            },
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
    }
    // closes the socket: the service's tasks end and drop it
    node.discv5.shutdown();
    Ok(())
}

fn handle_line(discv5: &discv5::Discv5, line: &str) {
    if line.trim().is_empty() {
        return;
    }
    let command: Map<String, Value> = match serde_json::from_str(line) {
        Ok(Value::Object(command)) => command,
        Ok(_) => {
            return emit(&commands::answer(
                Value::Null,
                Err("not a JSON object".into()),
            ))
        }
        Err(e) => {
            return emit(&commands::answer(
                Value::Null,
                Err(format!("not JSON: {e}")),
            ))
        }
    };
    let id = command.get("id").cloned().unwrap_or(Value::Null);
    match commands::dispatch(discv5, &command) {
        Outcome::Done(result) => emit(&commands::answer(id, result)),
        Outcome::Later(pending) => {
            tokio::spawn(async move { emit(&commands::answer(id, pending.await)) });
        }
    }
}
