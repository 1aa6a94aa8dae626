//! Just enough of MongoDB's wire protocol to ask one server `hello` and `buildInfo`:
//! an OP_MSG with a single body section, its BSON read by the `bson` crate and turned
//! into JSON in the shape mongosh's `EJSON.stringify` prints (relaxed Extended JSON), so
//! that a live answer and a saved file go through the same parser.
//!
//! Why not the official driver: see docs/notes/topology.md (compile time, and the two
//! commands read here need no authentication, no pooling and no server selection).

use serde_json::Value;
#[cfg(test)]
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const OP_MSG: i32 = 2013;
/// The largest answer accepted; MongoDB's own limit on a message is 48 MB, a hello is a
/// few hundred bytes.
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("command {command} failed: {message}")]
    Command { command: String, message: String },
}

/// Live TLS is not spoken here (see the notes); the setting is refused with a reason.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub ca_bundle: Option<std::path::PathBuf>,
}

/// One TCP connection to one server.
pub struct Connection {
    stream: TcpStream,
    next_id: i32,
}

impl Connection {
    pub async fn open(
        host: &str,
        port: u16,
        tls: Option<&TlsSettings>,
    ) -> Result<Connection, WireError> {
        if tls.is_some() {
            return Err(WireError::Malformed(
                "live collection over TLS is not built in; save `rs.status()` and `rs.conf()` to a status_file instead".into(),
            ));
        }
        let stream = TcpStream::connect((host, port)).await?;
        Ok(Connection { stream, next_id: 1 })
    }

    /// Runs `{<command>: 1, $db: <db>}` and returns the answer, or the server's error.
    pub async fn command(&mut self, db: &str, command: &str) -> Result<Value, WireError> {
        let body = encode_command(command, db)?;
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = Vec::with_capacity(21 + body.len());
        let len = (16 + 4 + 1 + body.len()) as i32;
        msg.extend_from_slice(&len.to_le_bytes());
        msg.extend_from_slice(&id.to_le_bytes());
        msg.extend_from_slice(&0i32.to_le_bytes());
        msg.extend_from_slice(&OP_MSG.to_le_bytes());
        msg.extend_from_slice(&0u32.to_le_bytes());
        msg.push(0);
        msg.extend_from_slice(&body);
        self.stream.write_all(&msg).await?;

        let mut header = [0u8; 16];
        self.stream.read_exact(&mut header).await?;
        let total = i32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let op = i32::from_le_bytes([header[12], header[13], header[14], header[15]]);
        if op != OP_MSG {
            return Err(WireError::Malformed(format!(
                "expected OP_MSG (2013), got opcode {op}"
            )));
        }
        let total = usize::try_from(total)
            .ok()
            .filter(|t| (21..=MAX_MESSAGE).contains(t))
            .ok_or_else(|| WireError::Malformed(format!("message length {total}")))?;
        let mut rest = vec![0u8; total - 16];
        self.stream.read_exact(&mut rest).await?;
        if rest[4] != 0 {
            return Err(WireError::Malformed(format!(
                "expected a body section (kind 0), got kind {}",
                rest[4]
            )));
        }
        let doc = decode_document(&rest[5..])?;
        if doc.get("ok").and_then(Value::as_f64) == Some(0.0) {
            return Err(WireError::Command {
                command: command.to_string(),
                message: doc
                    .get("errmsg")
                    .and_then(Value::as_str)
                    .unwrap_or("no message")
                    .to_string(),
            });
        }
        Ok(doc)
    }
}

/// BSON of `{<command>: 1, "$db": <db>}`.
pub fn encode_command(command: &str, db: &str) -> Result<Vec<u8>, WireError> {
    let mut doc = bson::Document::new();
    doc.insert(command, 1i32);
    doc.insert("$db", db);
    doc.to_vec()
        .map_err(|e| WireError::Malformed(format!("cannot encode `{command}`: {e}")))
}

/// Decodes one BSON document (the bytes may run past it) into relaxed Extended JSON,
/// as mongosh's `EJSON.stringify` prints it.
pub fn decode_document(bytes: &[u8]) -> Result<Value, WireError> {
    let doc = bson::Document::from_reader(bytes)
        .map_err(|e| WireError::Malformed(format!("BSON: {}", crate::error::one_line(&e.to_string()))))?;
    Ok(bson::Bson::Document(doc).into_relaxed_extjson())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_command_is_the_documented_bson() {
        // {hello: 1, $db: "admin"} as BSON: int32 length, int32 element, string element.
        let b = encode_command("hello", "admin").unwrap();
        assert_eq!(b.len() as i32, i32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let v = decode_document(&b).unwrap();
        assert_eq!(v, json!({"hello": 1, "$db": "admin"}));
    }

    #[test]
    fn truncated_bson_is_an_error_not_a_panic() {
        let b = encode_command("hello", "admin").unwrap();
        for cut in 0..b.len() {
            let _ = decode_document(&b[..cut]);
        }
        assert!(decode_document(&b[..b.len() - 3]).is_err());
    }

    #[test]
    fn binary_elements_are_extended_json_base64() {
        // {b: BinData(0, de ad be ef)}: length, type 0x05, "b\0", length, subtype, bytes.
        let mut b = Vec::new();
        b.extend_from_slice(&17i32.to_le_bytes());
        b.extend_from_slice(&[0x05, b'b', 0]);
        b.extend_from_slice(&4i32.to_le_bytes());
        b.extend_from_slice(&[0x00, 0xde, 0xad, 0xbe, 0xef, 0x00]);
        assert_eq!(
            decode_document(&b).unwrap(),
            json!({"b": {"$binary": {"base64": "3q2+7w==", "subType": "00"}}})
        );
    }
}
