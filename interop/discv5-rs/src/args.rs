//! Command-line flags: `--ip <IPv4>`, `--port <u16>` and `--key <hex>`.

use std::net::Ipv4Addr;

/// What the command line asks for.
pub struct Args {
    /// The IPv4 address to bind and to put in the record (default 127.0.0.1).
    pub ip: Ipv4Addr,
    /// The UDP port to bind; 0 lets the kernel choose (default 0).
    pub port: u16,
    /// The secp256k1 private key, 32 bytes; random when absent.
    pub key: Option<[u8; 32]>,
}

const USAGE: &str = "usage: discv5peer [--ip 127.0.0.1] [--port 0] [--key <64 hex characters>]";

/// Parses `args` (without the program name); the error is a message for stderr.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        ip: Ipv4Addr::LOCALHOST,
        port: 0,
        key: None,
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        // both `--flag value` and `--flag=value`
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (flag.clone(), None),
        };
        if name == "--help" || name == "-h" {
            return Err(USAGE.to_string());
        }
        let value = match inline.or_else(|| args.next()) {
            Some(value) => value,
            None => return Err(format!("{name} needs a value\n{USAGE}")),
        };
        match name.as_str() {
            "--ip" => {
                parsed.ip = value
                    .parse()
                    .map_err(|_| format!("--ip: not an IPv4 address: {value}"))?
            }
            "--port" => {
                parsed.port = value
                    .parse()
                    .map_err(|_| format!("--port: not a UDP port: {value}"))?
            }
            "--key" => parsed.key = Some(parse_key(&value)?),
            _ => return Err(format!("unknown flag {name}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let bytes =
        hex::decode(text.trim_start_matches("0x")).map_err(|e| format!("--key: not hex: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| "--key: a secp256k1 private key is 32 bytes".to_string())
}
