//! Running the CLI binary against stand-in LMSs, shared by tests/openedx.rs and
//! tests/openedx_tls.rs: the exit code, both streams and the JSON report of one run, and
//! the check that no secret of any server reached them.

#![allow(dead_code)]

use super::lms::Lms;
use serde_json::Value;
use std::time::{Duration, Instant};

/// One finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub report: Value,
    pub report_text: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn finding(&self, path: &str) -> Option<&Value> {
        self.report["findings"]
            .as_array()?
            .iter()
            .find(|f| f["path"] == path)
    }

    pub fn class_of(&self, path: &str) -> Option<&str> {
        self.finding(path)?["class"].as_str()
    }

    pub fn message_of(&self, path: &str) -> String {
        self.finding(path)
            .and_then(|f| f["message"].as_str())
            .unwrap_or_default()
            .to_string()
    }

    /// No secret of either server, in any form, in anything the run wrote.
    pub fn assert_no_secrets(&self, servers: &[&Lms]) {
        for lms in servers {
            let basic = base64(&format!("{}:{}", lms.client_id, lms.client_secret));
            for secret in [&lms.client_secret, &lms.token, &basic] {
                for (what, text) in [
                    ("stdout", &self.stdout),
                    ("stderr", &self.stderr),
                    ("json report", &self.report_text),
                ] {
                    assert!(
                        !text.contains(secret.as_str()),
                        "{what} contains a secret: {text}"
                    );
                }
            }
        }
    }
}

pub fn base64(s: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in s.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn credentials(env: &str, lms: &Lms) -> Vec<(String, String)> {
    vec![
        (format!("ENVPARITY_{env}_CLIENT_ID"), lms.client_id.clone()),
        (
            format!("ENVPARITY_{env}_CLIENT_SECRET"),
            lms.client_secret.clone(),
        ),
    ]
}

/// Runs `envparity check` with `args`, the given environment variables and a JSON
/// report written to a file.
pub fn envparity(args: &[&str], env: &[(String, String)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("report.json");
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_envparity"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ENVPARITY_") {
            cmd.env_remove(k);
        }
    }
    cmd.args(args)
        .arg("--output")
        .arg(format!("json={}", report_path.display()));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = start.elapsed();
    let report_text = std::fs::read_to_string(&report_path).unwrap_or_default();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        report: serde_json::from_str(&report_text).unwrap_or(Value::Null),
        report_text,
        elapsed,
    }
}
