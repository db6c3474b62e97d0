//! The JSON-line commands read from stdin. Each answer is one JSON object carrying the
//! command's `id`, `ok`, and either the result fields or `error`.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use discv5::{Discv5, Enr, NodeContact};
use enr::NodeId;
use serde_json::{json, Map, Value};

/// The answer to a command that waits for the network, computed off the reading loop.
pub type Pending = Pin<Box<dyn Future<Output = Result<Map<String, Value>, String>> + Send>>;

/// What the reading loop does with one command.
pub enum Outcome {
    /// Answered at once.
    Done(Result<Map<String, Value>, String>),
    /// Answered when the future finishes.
    Later(Pending),
}

/// Runs one command line against the service.
pub fn dispatch(discv5: &Discv5, command: &Map<String, Value>) -> Outcome {
    match run(discv5, command) {
        Ok(outcome) => outcome,
        Err(error) => Outcome::Done(Err(error)),
    }
}

/// The answer line for `id` and a result.
pub fn answer(id: Value, result: Result<Map<String, Value>, String>) -> Value {
    let mut line = Map::new();
    line.insert("id".into(), id);
    match result {
        Ok(fields) => {
            line.insert("ok".into(), Value::Bool(true));
            line.extend(fields);
        }
        Err(error) => {
            line.insert("ok".into(), Value::Bool(false));
            line.insert("error".into(), Value::String(error));
        }
    }
    Value::Object(line)
}

fn run(discv5: &Discv5, command: &Map<String, Value>) -> Result<Outcome, String> {
    let name = command
        .get("cmd")
        .and_then(Value::as_str)
        .ok_or("missing \"cmd\"")?;
    Ok(match name {
        "ping" => {
            let pong = discv5.send_ping(enr_field(command, "enr")?);
            Outcome::Later(Box::pin(async move {
                let pong = pong.await.map_err(|e| format!("ping: {e}"))?;
                Ok(fields(json!({
                    "enrSeq": pong.enr_seq.to_string(),
                    "ip": pong.ip.to_string(),
                    "port": pong.port,
                })))
            }))
        }
        "findnode" => {
            let distances = distances_field(command)?;
            let nodes = discv5.find_node_designated_peer(enr_field(command, "enr")?, distances);
            Outcome::Later(Box::pin(async move {
                let nodes = nodes.await.map_err(|e| format!("findnode: {e}"))?;
                Ok(enrs(&nodes))
            }))
        }
        "talkreq" => {
            let enr = enr_field(command, "enr")?;
            let contact = NodeContact::try_from_enr(enr, discv5.ip_mode())
                .map_err(|_| "talkreq: the record has no IPv4 UDP address".to_string())?;
            let protocol = hex_field(command, "protocol")?;
            let request = hex_field(command, "request")?;
            let response = discv5.talk_req(contact, protocol, request);
            Outcome::Later(Box::pin(async move {
                let response = response.await.map_err(|e| format!("talkreq: {e}"))?;
                Ok(fields(json!({ "response": hex::encode(response) })))
            }))
        }
        "lookup" => {
            let target = node_id_field(command, "target")?;
            let found = discv5.find_node(target);
            Outcome::Later(Box::pin(async move {
                let nodes = found.await.map_err(|e| format!("lookup: {e}"))?;
                Ok(enrs(&nodes))
            }))
        }
        "addEnr" => {
            discv5
                .add_enr(enr_field(command, "enr")?)
                .map_err(|e| format!("addEnr: {e}"))?;
            Outcome::Done(Ok(Map::new()))
        }
        "table" => Outcome::Done(Ok(enrs(&discv5.table_entries_enr()))),
        other => return Err(format!("unknown command {other:?}")),
    })
}

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn enrs(nodes: &[Enr]) -> Map<String, Value> {
    let texts: Vec<Value> = nodes
        .iter()
        .map(|enr| Value::String(enr.to_base64()))
        .collect();
    fields(json!({ "enrs": texts }))
}

fn str_field<'a>(command: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    command
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string {name:?}"))
}

fn enr_field(command: &Map<String, Value>, name: &str) -> Result<Enr, String> {
    let text = str_field(command, name)?;
    Enr::from_str(text).map_err(|e| format!("{name}: not a valid record: {e}"))
}

fn hex_field(command: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let text = str_field(command, name)?;
    hex::decode(text.trim_start_matches("0x")).map_err(|e| format!("{name}: not hex: {e}"))
}

fn node_id_field(command: &Map<String, Value>, name: &str) -> Result<NodeId, String> {
    let bytes: [u8; 32] = hex_field(command, name)?
        .try_into()
        .map_err(|_| format!("{name}: a node id is 32 bytes"))?;
    Ok(NodeId::new(&bytes))
}

fn distances_field(command: &Map<String, Value>) -> Result<Vec<u64>, String> {
    let list = command
        .get("distances")
        .and_then(Value::as_array)
        .ok_or("missing array \"distances\"")?;
    list.iter()
        .map(|d| match d.as_u64() {
            Some(d) if d <= 256 => Ok(d),
            _ => Err(format!("distances: {d} is not a distance (0..=256)")),
        })
        .collect()
}
