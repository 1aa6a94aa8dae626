//! `sarif`: one SARIF run per instance, as its single-pair report gives it, with the
//! instance's name in the run's `automationDetails.id`, its properties and every result
//! (`properties.instance`, and the message); and one run for the fleet-wide findings.

//!
//! The runs are serialized one at a time as the log is written: each instance's report
//! is read back from the spool, made a run, written and dropped.

use super::{Out, holders};
use crate::fleet::{FleetReport, InstanceReport};
use crate::report::RenderOptions;
use crate::report::sarif::{SCHEMA, driver, rule, run};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

pub fn write(report: &FleetReport, opts: &RenderOptions, out: &mut Out) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Log { report, opts })
        .map_err(std::io::Error::other)?;
    out.push('\n');
    Ok(())
}

/// The SARIF log: `$schema`, `runs` and `version`, in that (sorted) order, as the
/// single-pair log has them.
struct Log<'a> {
    report: &'a FleetReport,
    opts: &'a RenderOptions,
}

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("$schema", SCHEMA)?;
        map.serialize_entry("runs", &Runs(self))?;
        map.serialize_entry("version", "2.1.0")?;
        map.end()
    }
}

struct Runs<'l, 'a>(&'l Log<'a>);

impl Serialize for Runs<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Log { report, opts } = self.0;
        let runs = report
            .instances
            .iter()
            .map(|i| instance_run(i, opts))
            .chain(std::iter::once_with(|| fleet_run(report)));
        s.collect_seq(runs)
    }
}

fn instance_run(i: &InstanceReport, opts: &RenderOptions) -> Value {
    {
        let r = match i.full() {
            Ok(r) => r,
            Err(why) => {
                return json!({
                    "tool": { "driver": driver(Vec::new()) },
                    "automationDetails": { "id": format!("envparity/fleet/{}/", i.name) },
                    "invocations": [{
                        "executionSuccessful": false,
                        "toolExecutionNotifications": [{
                            "level": "error",
                            "message": { "text": format!("{}: {why}", i.name) },
                        }],
                    }],
                    "results": [],
                    "properties": { "instance": i.name, "verdict": i.verdict.as_str() },
                });
            }
        };
        let mut one = run(&r, opts);
        one["automationDetails"]["id"] = json!(format!("envparity/fleet/{}/", i.name));
        one["properties"]["instance"] = json!(i.name);
        if let Some(results) = one["results"].as_array_mut() {
            for res in results {
                label(res, &i.name);
            }
        }
        one
    }
}

/// The run of the fleet-wide findings.
fn fleet_run(report: &FleetReport) -> Value {
    let results: Vec<Value> = report
        .fleet_findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": "shared/fleet",
                "ruleIndex": 0,
                "level": if report.fails(f) { "error" } else { "warning" },
                "message": { "text": format!("{} (held by {})", f.message, holders(f)) },
                "locations": [{
                    "logicalLocations": [{ "fullyQualifiedName": f.path, "kind": "member" }],
                }],
                "properties": {
                    "class": f.class,
                    "instances": f.instances.iter().map(|h| h.instance.clone()).collect::<Vec<_>>(),
                },
            })
        })
        .collect();
    json!({
        "tool": { "driver": driver(vec![rule("shared/fleet", crate::findings::Class::Shared, "fleet")]) },
        "automationDetails": { "id": "envparity/fleet/" },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "verdict": report.verdict,
            "verdictLine": report.verdict_line(),
            "failOn": report.fail_on,
        },
    })
}

/// Names the instance in a result's message and properties.
fn label(result: &mut Value, instance: &str) {
    if let Some(text) = result["message"]["text"].as_str() {
        result["message"]["text"] = json!(format!("{instance}: {text}"));
    }
    if !result["properties"].is_object() {
        result["properties"] = json!({});
    }
    result["properties"]["instance"] = json!(instance);
}
