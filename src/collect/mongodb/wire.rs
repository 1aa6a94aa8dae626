//! Just enough of MongoDB's wire protocol to ask one server `hello` and `buildInfo`:
//! an OP_MSG with a single body section, and a BSON reader that turns the answer into
//! JSON in the shape mongosh's `EJSON.stringify` prints (relaxed Extended JSON), so that
//! a live answer and a saved file go through the same parser.
//!
//! Why not the official driver: see docs/notes/topology.md (compile time, and the two
//! commands read here need no authentication, no pooling and no server selection).

use serde_json::{Map, Value, json};
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
        let body = encode_command(command, db);
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
pub fn encode_command(command: &str, db: &str) -> Vec<u8> {
    let mut e = Vec::new();
    e.push(0x10);
    cstring(&mut e, command);
    e.extend_from_slice(&1i32.to_le_bytes());
    e.push(0x02);
    cstring(&mut e, "$db");
    e.extend_from_slice(&((db.len() + 1) as i32).to_le_bytes());
    e.extend_from_slice(db.as_bytes());
    e.push(0);
    let mut doc = Vec::with_capacity(e.len() + 5);
    doc.extend_from_slice(&((e.len() + 5) as i32).to_le_bytes());
    doc.extend_from_slice(&e);
    doc.push(0);
    doc
}

fn cstring(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

/// Decodes one BSON document (the bytes may run past it).
pub fn decode_document(bytes: &[u8]) -> Result<Value, WireError> {
    let mut r = Reader { bytes, pos: 0 };
    r.document(false)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| WireError::Malformed("BSON runs past the message".into()))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn i32(&mut self) -> Result<i32, WireError> {
        let b = self.take(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i64(&mut self) -> Result<i64, WireError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }

    fn cstring(&mut self) -> Result<String, WireError> {
        let rest = &self.bytes[self.pos.min(self.bytes.len())..];
        let n = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| WireError::Malformed("unterminated BSON name".into()))?;
        let s = String::from_utf8_lossy(&rest[..n]).into_owned();
        self.pos += n + 1;
        Ok(s)
    }

    fn string(&mut self) -> Result<String, WireError> {
        let len = usize::try_from(self.i32()?)
            .ok()
            .filter(|l| *l >= 1)
            .ok_or_else(|| WireError::Malformed("negative BSON string length".into()))?;
        let b = self.take(len)?;
        Ok(String::from_utf8_lossy(&b[..len - 1]).into_owned())
    }

    fn document(&mut self, array: bool) -> Result<Value, WireError> {
        let start = self.pos;
        let len = usize::try_from(self.i32()?)
            .ok()
            .filter(|l| *l >= 5)
            .ok_or_else(|| WireError::Malformed("bad BSON document length".into()))?;
        let end = start + len;
        if end > self.bytes.len() {
            return Err(WireError::Malformed(
                "BSON document runs past the message".into(),
            ));
        }
        let mut map = Map::new();
        let mut items = Vec::new();
        while self.pos < end - 1 {
            let kind = self.take(1)?[0];
            let name = self.cstring()?;
            let value = self.element(kind)?;
            if array {
                items.push(value);
            } else {
                map.insert(name, value);
            }
        }
        self.pos = end;
        Ok(if array {
            Value::Array(items)
        } else {
            Value::Object(map)
        })
    }

    fn element(&mut self, kind: u8) -> Result<Value, WireError> {
        Ok(match kind {
            0x01 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                json!(f64::from_le_bytes(a))
            }
            0x02 | 0x0D | 0x0E => json!(self.string()?),
            0x03 => self.document(false)?,
            0x04 => self.document(true)?,
            0x05 => {
                let len = usize::try_from(self.i32()?)
                    .map_err(|_| WireError::Malformed("negative binary length".into()))?;
                let subtype = self.take(1)?[0];
                let data = self.take(len)?;
                {
                    use base64::Engine;
                    let base64 = base64::engine::general_purpose::STANDARD.encode(data);
                    json!({"$binary": {"base64": base64, "subType": format!("{subtype:02x}")}})
                }
            }
            0x06 | 0x0A => Value::Null,
            0x07 => json!({"$oid": hex::encode(self.take(12)?)}),
            0x08 => json!(self.take(1)?[0] != 0),
            0x09 => json!({"$date": {"$numberLong": self.i64()?.to_string()}}),
            0x0B => {
                let pattern = self.cstring()?;
                let options = self.cstring()?;
                json!({"$regularExpression": {"pattern": pattern, "options": options}})
            }
            0x10 => json!(self.i32()?),
            0x11 => {
                let i = self.i32()? as u32;
                let t = self.i32()? as u32;
                json!({"$timestamp": {"t": t, "i": i}})
            }
            0x12 => json!(self.i64()?),
            0x13 => json!({"$numberDecimal": hex::encode(self.take(16)?)}),
            0xFF => json!({"$minKey": 1}),
            0x7F => json!({"$maxKey": 1}),
            other => {
                return Err(WireError::Malformed(format!(
                    "BSON element type 0x{other:02x} is not read here"
                )));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_command_is_the_documented_bson() {
        // {hello: 1, $db: "admin"} as BSON: int32 length, int32 element, string element.
        let b = encode_command("hello", "admin");
        assert_eq!(b.len() as i32, i32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let v = decode_document(&b).unwrap();
        assert_eq!(v, json!({"hello": 1, "$db": "admin"}));
    }

    #[test]
    fn truncated_bson_is_an_error_not_a_panic() {
        let b = encode_command("hello", "admin");
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
