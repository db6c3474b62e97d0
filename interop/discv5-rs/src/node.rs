//! Starts the crate's `Discv5` service on one loopback-friendly IPv4 socket and answers
//! TALKREQ for the `echo` protocol.

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;

use discv5::{ConfigBuilder, Discv5, Enr, Event, ListenConfig};
use enr::CombinedKey;
use tokio::net::UdpSocket;

use crate::args::Args;

/// The TALKREQ protocol answered with the request's own bytes.
pub const ECHO_PROTOCOL: &[u8] = b"echo";

/// A started node: the service, its record and the port the kernel gave it.
pub struct Node {
    pub discv5: Discv5,
    pub enr: Enr,
    pub port: u16,
}

/// Binds the socket, signs the record with its real port and starts the service.
pub async fn start(args: &Args) -> Result<Node, String> {
    let key = match args.key {
        Some(mut bytes) => CombinedKey::secp256k1_from_bytes(&mut bytes)
            .map_err(|e| format!("--key: not a secp256k1 private key: {e}"))?,
        None => CombinedKey::generate_secp256k1(),
    };

    // We bind the socket ourselves and hand it to the crate (`ListenConfig::FromSockets`):
    // with `--port 0` the kernel picks a free port and the record carries the port we got,
    // with no window in which another process could take it.
    let socket = UdpSocket::bind(SocketAddr::V4(SocketAddrV4::new(args.ip, args.port)))
        .await
        .map_err(|e| format!("cannot bind udp {}:{}: {e}", args.ip, args.port))?;
    let port = socket.local_addr().map_err(|e| e.to_string())?.port();

    let enr = Enr::builder()
        .ip4(args.ip)
        .udp4(port)
        .build(&key)
        .map_err(|e| format!("cannot sign the record: {e}"))?;

    let listen = ListenConfig::FromSockets {
        ipv4: Some(Arc::new(socket)),
        ipv6: None,
    };
    let config = ConfigBuilder::new(listen)
        // The record's address is the one we bound: PONG votes must not rewrite it (on
        // loopback every vote says 127.0.0.1 anyway), nor the NAT heuristic withdraw it.
        .disable_enr_update()
        .auto_nat_listen_duration(None)
        // Loopback networks put every node on one IP: the crate's defaults already accept
        // them (no packet filter, whose per-IP limits would ban a loopback network; no
        // `ip_limit`, which allows 2 nodes of one /24 per bucket, 10 per table; a
        // `table_filter` that accepts every record). Stated here so nobody turns them on.
        .table_filter(|_| true)
        .build();

    let mut discv5 = Discv5::new(enr.clone(), key, config)?;
    discv5
        .start()
        .await
        .map_err(|e| format!("cannot start discv5: {e}"))?;
    serve_talk(&discv5).await?;
    Ok(Node { discv5, enr, port })
}

/// Answers TALKREQ: `echo` gets the request back, anything else an empty TALKRESP.
///
/// Without an event stream the crate drops every `TalkRequest`, and a dropped request
/// answers itself with an empty TALKRESP; so does one the stream has no room for.
async fn serve_talk(discv5: &Discv5) -> Result<(), String> {
    let mut events = discv5
        .event_stream()
        .await
        .map_err(|e| format!("cannot open the event stream: {e}"))?;
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let Event::TalkRequest(request) = event {
                let response = if request.protocol() == ECHO_PROTOCOL {
                    request.body().to_vec()
                } else {
                    Vec::new()
                };
                // the only failure is a closed service channel: we are shutting down
                let _ = request.respond(response);
            }
        }
    });
    Ok(())
}
