//! Fleet-wide findings: what two *different* instances share that must be separate — the
//! same secret fingerprint, the same external database, cache or SMTP host, bucket or
//! search index — which no check of one pair can see.
//!
//! Each instance brings the values of both its environments that must differ from
//! another environment's ([`Held`], judged by the very test the pair comparison uses,
//! [`crate::compare::must_differ`]); they are fingerprints and hosts, never plaintext
//! secrets, so a shard report can carry them to `fleet merge`. A value is shared across
//! instances when the production of one instance holds it and any environment of another
//! instance holds it too (two staging environments sharing a scratch host harm no
//! learner). Fingerprints compare only when every instance was fingerprinted with the
//! one key of the run.

use super::{FleetFinding, Holder, InstanceReport};
use crate::compare::{Change, compare};
use crate::findings::Class;
use crate::profile::{Profile, Severity};
use crate::snapshot::Snapshot;
use crate::waiver::{Waiver, WaiverStatus};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A value one environment of an instance holds that must not be shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub environment: Side,
    pub path: String,
    /// What the profile's rule calls it (`external host`), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what: Option<String>,
    /// The value as the surface holds it, after secrets were fingerprinted.
    pub value: Compact,
}

/// A JSON value kept as its compact text: a fleet holds a score of these per instance
/// for the whole run, and a small `Value` object costs far more than its text. It reads
/// and writes as the value itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compact(String);

impl Compact {
    pub fn of(value: &Value) -> Compact {
        Compact(value.to_string())
    }

    /// The value (its text was written from one, so it parses).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl Serialize for Compact {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Compact {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Compact, D::Error> {
        Value::deserialize(d).map(|v| Compact::of(&v))
    }
}

/// Which environment of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Staging,
    Production,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Staging => "staging",
            Side::Production => "production",
        }
    }
}

/// The values of both environments that must stay apart from every other environment,
/// found as the pair comparison finds them: an environment compared with itself gives
/// exactly its values whose equality would matter.
pub fn held(staging: &Snapshot, production: &Snapshot, profile: &Profile) -> Vec<Held> {
    let mut out = Vec::new();
    for (side, snap) in [(Side::Staging, staging), (Side::Production, production)] {
        for d in compare(&snap.surface, &snap.surface, profile) {
            if d.change != Change::Equal {
                continue;
            }
            let Some(value) = d.staging else { continue };
            if value.is_null() || value.as_str().is_some_and(str::is_empty) {
                continue;
            }
            out.push(Held {
                environment: side,
                path: d.path,
                what: d.rule.and_then(|r| r.message),
                value: Compact::of(&value),
            });
        }
    }
    // The walk's order is the surface's; a fixed order makes reports deterministic.
    out.sort_by(|a, b| {
        (a.environment, &a.path)
            .cmp(&(b.environment, &b.path))
            .then_with(|| a.value.0.cmp(&b.value.0))
    });
    out
}

/// The fleet-wide findings of a set of instances, each value once, in a fixed order
/// (by path, then value).
pub fn findings(instances: &[InstanceReport]) -> Vec<FleetFinding> {
    let mut by_value: BTreeMap<String, Vec<(&str, &Held)>> = BTreeMap::new();
    for i in instances {
        for h in &i.held {
            let key = h.value.0.clone();
            by_value.entry(key).or_default().push((&i.name, h));
        }
    }
    let mut out = Vec::new();
    for holders in by_value.values() {
        let names: BTreeSet<&str> = holders.iter().map(|(n, _)| *n).collect();
        let across = holders
            .iter()
            .any(|(n, h)| h.environment == Side::Production && holders.iter().any(|(m, _)| m != n));
        if names.len() < 2 || !across {
            continue;
        }
        let mut list: Vec<Holder> = holders
            .iter()
            .map(|(n, h)| Holder {
                instance: n.to_string(),
                environment: h.environment,
                path: h.path.clone(),
            })
            .collect();
        list.sort();
        list.dedup();
        let first = holders
            .iter()
            .map(|(_, h)| *h)
            .min_by(|a, b| a.path.cmp(&b.path))
            .unwrap_or(holders[0].1);
        let what = first.what.clone().unwrap_or_else(|| "secret".into());
        let names: Vec<&str> = names.into_iter().collect();
        out.push(FleetFinding {
            class: Class::Shared,
            path: first.path.clone(),
            severity: Severity::High,
            message: format!(
                "{what}: the same value in {} instances ({})",
                names.len(),
                names.join(", ")
            ),
            value: first.value.value(),
            instances: list,
            waiver: None,
        });
    }
    out.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then_with(|| a.value.to_string().cmp(&b.value.to_string()))
    });
    out
}

/// Applies the shared waivers to the fleet-wide findings, as waivers apply to a pair's:
/// the first matching one (in file order) decides; an active one makes the finding
/// `waived`, an expired one says so in its message. A waiver matches a finding when its
/// glob matches the finding's path or the path of any of its holders, and its class (if
/// it names one) is the finding's.
pub fn waive(
    findings: &mut [FleetFinding],
    waivers: &[Waiver],
    today: NaiveDate,
) -> Vec<WaiverStatus> {
    crate::waiver::waive_each(
        findings,
        waivers,
        today,
        |w, f| {
            w.class.is_none_or(|c| c == f.class)
                && (w.glob.matches_pointer(&f.path)
                    || f.instances.iter().any(|h| w.glob.matches_pointer(&h.path)))
        },
        |f, w| {
            f.waiver = Some(w.note(f.class, today));
            f.message = if today <= w.expires {
                f.class = Class::Waived;
                f.severity = Class::Waived.default_severity();
                format!(
                    "{} (waived by {} until {}: {})",
                    f.message, w.owner, w.expires, w.reason
                )
            } else {
                format!(
                    "{} (waiver by {} expired on {})",
                    f.message, w.owner, w.expires
                )
            };
        },
    )
}
