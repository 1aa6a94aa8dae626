//! `sarif`: SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning, GitLab,
//! Azure DevOps) that show findings where they live in the repository.
//!
//! One rule per class and surface (`reduced/datastores`), so a dashboard can filter by
//! either. A result is located in the file that produced the staging value when the
//! collector recorded it (that is where the fix goes), the production value's file
//! being a related location; a result whose value came from no file (a live endpoint)
//! is located logically by its JSON Pointer into the surface. Waived findings carry an
//! accepted external suppression with the waiver's reason, which is SARIF's own word
//! for "reviewed and let through".

use super::{RenderOptions, Report};
use crate::findings::{Class, Finding, Location, brief};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The schema URI the SARIF multitool accepts as the final 2.1.0 schema.
pub(crate) const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/envparity/envparity";

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    document(vec![run(report, opts)])
}

/// A SARIF log of `runs`.
pub(crate) fn document(runs: Vec<Value>) -> String {
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": runs,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The tool driver of every run.
pub(crate) fn driver(rules: Vec<Value>) -> Value {
    json!({
        "name": "envparity",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": INFORMATION_URI,
        "rules": rules,
    })
}

/// One report as one SARIF run.
pub(crate) fn run(report: &Report, opts: &RenderOptions) -> Value {
    let findings: Vec<&Finding> = report.visible(opts).collect();

    // Rules in first-use order; findings are already in report order, so this is stable.
    let mut rule_ids: Vec<(String, Class, String)> = Vec::new();
    for f in &findings {
        let id = rule_id(f);
        if !rule_ids.iter().any(|(r, _, _)| *r == id) {
            rule_ids.push((id, f.class, f.surface.clone()));
        }
    }
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|(id, class, surface)| rule(id, *class, surface))
        .collect();

    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let id = rule_id(f);
            let index = rule_ids.iter().position(|(r, _, _)| *r == id).unwrap_or(0);
            result(report, f, &id, index)
        })
        .collect();

    json!({
            "tool": { "driver": driver(rules) },
            "automationDetails": {
                "id": format!("envparity/{}-vs-{}/", report.environments.staging, report.environments.production),
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "verdict": report.verdict,
                "verdictLine": report.verdict_line(),
                "profile": report.profile,
                "failOn": report.fail_on,
                "summary": report.summary,
            },
    })
}

fn rule_id(f: &Finding) -> String {
    let surface = if f.surface.is_empty() {
        "root"
    } else {
        &f.surface
    };
    format!("{}/{surface}", f.class)
}

pub(crate) fn rule(id: &str, class: Class, surface: &str) -> Value {
    let (short, full) = match class {
        Class::Reduced => (
            format!("Staging is reduced in {surface}"),
            format!(
                "Production has something in {surface} that staging lacks or has less of (a missing plugin or SSO provider, fewer replicas or members, a capability such as TLS or HTTPS off). Changes tested on staging may then break production."
            ),
        ),
        Class::Shared => (
            format!("Staging shares {surface} with production"),
            format!(
                "Staging and production share what must be separate in {surface}: the same secret or the same external host. A test on staging can then touch production."
            ),
        ),
        Class::Unknown => (
            format!("Parity of {surface} cannot be judged"),
            format!(
                "A source of {surface} failed or is missing in one environment, so parity cannot be judged there. The gate fails closed."
            ),
        ),
        Class::Drift => (
            format!("Staging drifts from production in {surface}"),
            format!(
                "Both environments have it in {surface}, with values that differ and have no more/less order (another backend, fork or version)."
            ),
        ),
        Class::Extra => (
            format!("Staging has more than production in {surface}"),
            format!(
                "Staging has something in {surface} that production lacks, usually the candidate under test."
            ),
        ),
        Class::Waived => (
            format!("Waived difference in {surface}"),
            format!("A difference in {surface} that an unexpired waiver lets through."),
        ),
        Class::Expected => (
            format!("Expected difference in {surface}"),
            format!(
                "A difference in {surface} that the profile expects (hostnames, secrets that differ, names)."
            ),
        ),
    };
    json!({
        "id": id,
        "name": format!("{}{}", capitalize(class.as_str()), capitalize_words(surface)),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": format!("{full} Run `envparity diff` or `envparity check` with --format table to see both values.")},
        "helpUri": format!("{INFORMATION_URI}#finding-classes"),
        "defaultConfiguration": {"level": default_level(class)},
        "properties": {
            "tags": ["envparity", class.as_str(), surface],
        },
    })
}

fn default_level(class: Class) -> &'static str {
    match class {
        Class::Reduced | Class::Shared | Class::Unknown => "error",
        Class::Drift => "warning",
        Class::Extra | Class::Waived => "note",
        Class::Expected => "none",
    }
}

fn result(report: &Report, f: &Finding, rule_id: &str, rule_index: usize) -> Value {
    let level = if report.fails(f) {
        "error"
    } else {
        match default_level(f.class) {
            "error" => "warning",
            other => other,
        }
    };
    let message = report.finding_line(f);

    let logical = json!([{
        "fullyQualifiedName": f.path,
        "name": crate::surface::split_pointer(&f.path).pop().unwrap_or_default(),
        "kind": "property",
    }]);
    let (primary, related) = match (&f.locations.staging, &f.locations.production) {
        (Some(s), p) => (
            Some((s, &report.environments.staging)),
            p.as_ref().map(|p| (p, &report.environments.production)),
        ),
        (None, Some(p)) => (Some((p, &report.environments.production)), None),
        (None, None) => (None, None),
    };
    let mut location = Map::new();
    if let Some((loc, _)) = primary {
        location.insert("physicalLocation".into(), physical(loc));
    }
    location.insert("logicalLocations".into(), logical);

    let mut r = Map::new();
    r.insert("ruleId".into(), json!(rule_id));
    r.insert("ruleIndex".into(), json!(rule_index));
    r.insert("level".into(), json!(level));
    r.insert("message".into(), json!({ "text": message }));
    r.insert("locations".into(), json!([Value::Object(location)]));
    if let Some((loc, env)) = related {
        r.insert(
            "relatedLocations".into(),
            json!([{
                "id": 1,
                "physicalLocation": physical(loc),
                "message": {"text": format!("the {env} value: {}", brief(f.production.as_ref()))},
            }]),
        );
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ "envparityFinding/v1": fingerprint(f) }),
    );
    if let Some(w) = &f.waiver
        && f.class == Class::Waived
    {
        r.insert(
            "suppressions".into(),
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": format!("{} (owner {}, expires {})", w.reason, w.owner, w.expires),
            }]),
        );
    }
    let mut props = Map::new();
    props.insert("class".into(), json!(f.class));
    props.insert("surface".into(), json!(f.surface));
    props.insert("path".into(), json!(f.path));
    props.insert("severity".into(), json!(f.severity));
    if let Some(v) = &f.staging {
        props.insert("staging".into(), v.clone());
    }
    if let Some(v) = &f.production {
        props.insert("production".into(), v.clone());
    }
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

fn physical(loc: &Location) -> Value {
    let mut p = Map::new();
    p.insert("artifactLocation".into(), json!({ "uri": uri(&loc.file) }));
    if let Some(line) = loc.line.filter(|l| *l > 0) {
        p.insert("region".into(), json!({ "startLine": line }));
    }
    Value::Object(p)
}

/// A file name as a URI reference: relative paths stay relative to the repository root
/// (what code-scanning dashboards resolve), absolute ones become `file://` URIs.
fn uri(file: &str) -> String {
    let mut out = String::new();
    if file.starts_with('/') {
        out.push_str("file://");
    }
    for b in file.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Stable identity of a finding across runs, so a dashboard tracks it as the same alert.
fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    h.update(f.path.as_bytes());
    h.update([0]);
    h.update(f.class.as_str().as_bytes());
    hex::encode(&h.finalize()[..16])
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn capitalize_words(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .map(capitalize)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(
            uri("examples/staging/config.yml"),
            "examples/staging/config.yml"
        );
        assert_eq!(
            uri("/srv/my root/config.yml"),
            "file:///srv/my%20root/config.yml"
        );
        assert_eq!(uri("a#b?c"), "a%23b%3Fc");
    }
}
