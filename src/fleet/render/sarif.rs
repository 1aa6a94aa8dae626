//! `sarif`: one SARIF run per instance, as its single-pair report gives it, with the
//! instance's name in the run's `automationDetails.id`, its properties and every result
//! (`properties.instance`, and the message); and one run for the fleet-wide findings.

use super::holders;
use crate::fleet::FleetReport;
use crate::report::RenderOptions;
use crate::report::sarif::{document, driver, rule, run};
use serde_json::{Value, json};

pub fn render(report: &FleetReport, opts: &RenderOptions) -> String {
    let mut runs = Vec::new();
    for i in &report.instances {
        let r = match i.full() {
            Ok(r) => r,
            Err(why) => {
                runs.push(json!({
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
                }));
                continue;
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
        runs.push(one);
    }
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
    runs.push(json!({
        "tool": { "driver": driver(vec![rule("shared/fleet", crate::findings::Class::Shared, "fleet")]) },
        "automationDetails": { "id": "envparity/fleet/" },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "verdict": report.verdict,
            "verdictLine": report.verdict_line(),
            "failOn": report.fail_on,
        },
    }));
    document(runs)
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
