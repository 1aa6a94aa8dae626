//! The mongodb collector on documents in the shapes MongoDB's reference documents for
//! replSetGetStatus (`rs.status()`, printed by `mongosh --eval 'EJSON.stringify(…)'`),
//! replSetGetConfig (`rs.conf()`), hello, buildInfo and getCmdLineOpts — MongoDB itself
//! cannot be installed here — and `hello` over the wire protocol from a loopback server
//! that answers with an OP_MSG built byte by byte as the protocol reference lays out.

use envparity::collect::mongodb::Documents;
use serde_json::{Map, Value, json};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mongodb")
        .join(name)
}

fn surface_of(name: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    let doc: Value = serde_json::from_str(&text).expect("fixture JSON");
    Documents::from_file(&doc)?.into_surface()
}

#[test]
fn combined_documents_give_members_keyed_by_host() {
    let s = surface_of("production-combined.json").expect("surface");
    assert_eq!(s["replica_set"], "rs0");
    assert_eq!(s["replicated"], true);
    assert_eq!(s["members"], 4);
    assert_eq!(s["data_members"], 3);
    assert_eq!(s["voting_members"], 4);
    assert_eq!(s["arbiters"], 1);
    assert_eq!(s["hidden_members"], 1);
    assert_eq!(s["primary"], true);
    assert_eq!(s["healthy_members"], 4);
    assert_eq!(s["version"], "7.0.15");
    assert_eq!(s["tls"], true);
    assert_eq!(
        s["host"],
        "mongodb-0.mongodb.openedx.svc.cluster.local:27017"
    );
    let hosts = &s["hosts"];
    assert_eq!(
        hosts["mongodb-0.mongodb.openedx.svc.cluster.local:27017"],
        json!({"state": "PRIMARY", "priority": 2.0, "votes": 1, "hidden": false, "arbiter": false})
    );
    assert_eq!(
        hosts["mongodb-2.mongodb.openedx.svc.cluster.local:27017"],
        json!({"state": "SECONDARY", "priority": 0.0, "votes": 1, "hidden": true, "arbiter": false})
    );
    assert_eq!(
        hosts["mongodb-arbiter.mongodb.openedx.svc.cluster.local:27017"]["arbiter"],
        true
    );
}

#[test]
fn rs_status_alone_gives_states_without_config_details() {
    let s = surface_of("rs-status.json").expect("surface");
    assert_eq!(s["members"], 4);
    assert_eq!(s["primary"], true);
    assert_eq!(s["arbiters"], 1);
    // Priority and votes live in the config, which this file does not carry.
    assert!(s.get("voting_members").is_none(), "{s}");
    assert!(
        s["hosts"]["mongodb-1.mongodb.openedx.svc.cluster.local:27017"]
            .get("priority")
            .is_none()
    );
}

#[test]
fn rs_conf_alone_gives_roles_without_states() {
    let s = surface_of("rs-conf.json").expect("surface");
    assert_eq!(s["replica_set"], "rs0");
    assert_eq!(s["voting_members"], 4);
    assert_eq!(s["hidden_members"], 1);
    // Who is primary is state, not config.
    assert!(s.get("primary").is_none(), "{s}");
}

#[test]
fn set_without_primary_says_so() {
    let s = surface_of("rs-status-no-primary.json").expect("surface");
    assert_eq!(s["primary"], false);
    assert_eq!(s["healthy_members"], 3);
}

#[test]
fn standalone_server_is_a_known_single_member() {
    for f in [
        "status-no-replset.json",
        "hello-standalone.json",
        "staging-standalone-combined.json",
    ] {
        let s = surface_of(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(s["replicated"], false, "{f}");
        assert_eq!(s["members"], 1, "{f}");
        assert_eq!(s["replica_set"], Value::Null, "{f}");
        assert_eq!(s["data_members"], 1, "{f}");
        assert_eq!(s["arbiters"], 0, "{f}");
        assert_eq!(s["primary"], true, "{f}");
    }
    let s = surface_of("status-not-initialized.json").expect("surface");
    assert_eq!(s["role"], "uninitialized");
    assert_eq!(s["replicated"], false);
}

#[test]
fn unauthorized_status_is_an_error_with_the_server_message() {
    let e = surface_of("status-unauthorized.json").unwrap_err();
    assert!(e.contains("Unauthorized"), "{e}");
    assert!(e.contains("requires authentication"), "{e}");
}

#[test]
fn unrelated_json_is_refused() {
    let doc = json!({"kind": "DeploymentList", "items": []});
    assert!(Documents::from_file(&doc).is_err());
}

fn envparity(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_envparity"))
        .args(args)
        // A key of its own: the run never reads or makes the user's key file.
        .env("ENVPARITY_FINGERPRINT_KEY", "mongodb tests")
        .output()
        .expect("running envparity");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check(staging_file: &str, production_file: &str) -> (i32, Value, String) {
    let dir = TempDir::new().expect("temp dir");
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        format!(
            "[[staging.mongodb]]\nstatus_file = \"{}\"\n[[production.mongodb]]\nstatus_file = \"{}\"\n",
            fixture(staging_file).display(),
            fixture(production_file).display()
        ),
    )
    .expect("write");
    let (code, stdout, stderr) = envparity(&[
        "check",
        "--config",
        config.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (code, report, stderr)
}

fn class_at<'a>(report: &'a Value, path: &str) -> Option<&'a str> {
    report["findings"]
        .as_array()?
        .iter()
        .find(|f| f["path"] == path)
        .and_then(|f| f["class"].as_str())
}

#[test]
fn staging_without_replica_set_is_reduced() {
    let (code, report, stderr) = check(
        "staging-standalone-combined.json",
        "production-combined.json",
    );
    assert_eq!(code, 1, "{stderr}");
    for path in [
        "/datastores/mongodb/replicated",
        "/datastores/mongodb/members",
        "/datastores/mongodb/tls",
        "/datastores/mongodb/data_members",
        "/datastores/mongodb/voting_members",
    ] {
        assert_eq!(class_at(&report, path), Some("reduced"), "{path}: {report}");
    }
    assert_eq!(report["summary"]["unknown"], 0, "{report}");
    // Fewer arbiters or hidden members is a different shape, not less capacity.
    assert_eq!(
        class_at(&report, "/datastores/mongodb/arbiters"),
        Some("drift")
    );
    assert_eq!(class_at(&report, "/datastores/mongodb/primary"), None);
}

#[test]
fn same_replica_set_in_both_environments_is_shared() {
    let (code, report, stderr) = check("production-combined.json", "production-combined.json");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        class_at(&report, "/datastores/mongodb/host"),
        Some("shared"),
        "{report}"
    );
    assert_eq!(report["summary"]["reduced"], 0, "{report}");
}

#[test]
fn unauthorized_status_file_makes_the_store_unknown() {
    let (code, report, stderr) = check("status-unauthorized.json", "production-combined.json");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        class_at(&report, "/datastores/mongodb"),
        Some("unknown"),
        "{report}"
    );
    let text = report.to_string();
    assert!(text.contains("requires authentication"), "{text}");
}

#[test]
fn password_in_mongodb_url_is_refused_with_exit_2() {
    let (code, _, stderr) = envparity(&[
        "snapshot",
        "--env",
        "staging",
        "-o",
        "/dev/null",
        "--source",
        "mongodb://admin:s3cr3t-value@m1:27017/?replicaSet=rs0",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("ENVPARITY_<ENV>_MONGODB_PASSWORD"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t-value"), "{stderr}");
}

// ------------------------------------------------ hello over the wire protocol

/// BSON of a JSON object (the types a hello answer uses).
fn bson(doc: &Map<String, Value>) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in doc {
        element(&mut body, k, v);
    }
    let mut out = ((body.len() + 5) as i32).to_le_bytes().to_vec();
    out.extend(body);
    out.push(0);
    out
}

fn element(out: &mut Vec<u8>, name: &str, v: &Value) {
    let key = |out: &mut Vec<u8>, t: u8| {
        out.push(t);
        out.extend_from_slice(name.as_bytes());
        out.push(0);
    };
    match v {
        Value::Bool(b) => {
            key(out, 0x08);
            out.push(u8::from(*b));
        }
        Value::Number(n) if n.is_i64() => {
            key(out, 0x10);
            out.extend_from_slice(&(n.as_i64().unwrap_or(0) as i32).to_le_bytes());
        }
        Value::Number(n) => {
            key(out, 0x01);
            out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
        }
        Value::String(s) => {
            key(out, 0x02);
            out.extend_from_slice(&((s.len() + 1) as i32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
            out.push(0);
        }
        Value::Array(a) => {
            key(out, 0x04);
            let m: Map<String, Value> = a
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.clone()))
                .collect();
            out.extend(bson(&m));
        }
        Value::Object(m) => {
            key(out, 0x03);
            out.extend(bson(m));
        }
        Value::Null => key(out, 0x0A),
    }
}

/// A one-connection server answering each OP_MSG with the next document.
fn fake_mongod(answers: Vec<Value>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        for answer in answers {
            let mut header = [0u8; 16];
            if s.read_exact(&mut header).is_err() {
                return;
            }
            let len = i32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
            let request_id = [header[4], header[5], header[6], header[7]];
            let mut rest = vec![0u8; len - 16];
            if s.read_exact(&mut rest).is_err() {
                return;
            }
            let doc = bson(answer.as_object().expect("object"));
            let mut msg = ((16 + 4 + 1 + doc.len()) as i32).to_le_bytes().to_vec();
            msg.extend_from_slice(&7i32.to_le_bytes());
            msg.extend_from_slice(&request_id);
            msg.extend_from_slice(&2013i32.to_le_bytes());
            msg.extend_from_slice(&0u32.to_le_bytes());
            msg.push(0);
            msg.extend(doc);
            if s.write_all(&msg).is_err() {
                return;
            }
        }
    });
    port
}

#[test]
fn live_hello_reads_a_replica_set_member() {
    let text = std::fs::read_to_string(fixture("production-combined.json")).expect("fixture");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    // ObjectIds and dates are EJSON objects in the file; over the wire they would be BSON
    // types of their own, which hello's reader does not need.
    let mut hello = doc["hello"].clone();
    for k in ["topologyVersion", "electionId", "lastWrite", "localTime"] {
        hello.as_object_mut().map(|m| m.remove(k));
    }
    let port = fake_mongod(vec![hello, json!({"version": "7.0.15", "ok": 1.0})]);
    let dir = TempDir::new().expect("temp dir");
    let out = dir.path().join("snap.json");
    let (code, _, stderr) = envparity(&[
        "snapshot",
        "--env",
        "production",
        "--timeout",
        "5",
        "-o",
        out.to_str().unwrap_or_default(),
        "--source",
        &format!("mongodb://127.0.0.1:{port}/?replicaSet=rs0"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let snap: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("snapshot")).expect("JSON");
    let m = &snap["surface"]["datastores"]["mongodb"];
    assert_eq!(m["replica_set"], "rs0", "{snap}");
    assert_eq!(m["version"], "7.0.15");
    assert_eq!(m["primary"], true);
    // hello lists the two electable members and the arbiter; the hidden one it omits.
    assert_eq!(m["members"], 3, "{m}");
    assert_eq!(m["arbiters"], 1);
}
