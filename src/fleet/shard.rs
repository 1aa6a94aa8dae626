//! Sharding a fleet across CI jobs (`--shard K/N`) and merging the shard reports
//! (`envparity fleet merge`).
//!
//! An instance belongs to shard `1 + h mod N`, `h` being the first 8 bytes of the
//! SHA-256 of its name: the same on every machine, independent of the fleet's order,
//! and stable under adding or removing instances (no other instance moves). Shards are
//! balanced as a uniform hash spreads: about `n/N` instances each, within a few
//! `sqrt(n/N)`.
//!
//! A merge takes the instances of every shard, as judged there, and rebuilds the fleet
//! report from them — fleet-wide findings included, from the values each instance
//! carries — so that merging the N shards of a run gives the bytes a single run gives.

use super::spool::{Detail, Spool};
use super::{FleetGate, FleetReport, InstanceReport};
use crate::error::{Error, Result};
use crate::waiver::WaiverStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Shard `index` of `count` (1-based), written `K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(s: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("`{s}`: expected K/N with 1 <= K <= N, e.g. 2/5");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the instance named `name` belongs to this shard.
    pub fn holds(&self, name: &str) -> bool {
        shard_of(name, self.count) == self.index
    }
}

/// The shard (1-based) of `count` that an instance belongs to.
pub fn shard_of(name: &str, count: u32) -> u32 {
    let digest = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32 + 1
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl TryFrom<String> for Shard {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Shard, String> {
        Shard::parse(&s)
    }
}

impl From<Shard> for String {
    fn from(s: Shard) -> String {
        s.to_string()
    }
}

/// Reads a fleet report written with `--format json` (or `-o json=…`).
pub fn read(path: &Path, spool: Option<&Arc<Spool>>) -> Result<FleetReport> {
    let text = crate::error::read_file(path)?;
    /// The one field that says what the file is.
    #[derive(serde::Deserialize)]
    struct Head {
        format: Option<serde_json::Value>,
    }
    let not_a_report = || {
        Error::invalid(
            path,
            format!(
                "not a fleet report (its `format` is not {}); write shard reports with `envparity fleet --shard K/N --format json`",
                super::FORMAT
            ),
        )
    };
    let mut report: FleetReport = match serde_json::from_str(&text) {
        Ok(r) => r,
        // Which mistake it is (not JSON, another file, a broken report) is worked out
        // only for a file that does not read as a fleet report.
        Err(e) => {
            let head: Head = serde_json::from_str(&text)
                .map_err(|e| Error::invalid(path, format!("not a JSON fleet report: {e}")))?;
            if head.format.as_ref().and_then(|f| f.as_str()) != Some(super::FORMAT) {
                return Err(not_a_report());
            }
            return Err(Error::invalid(
                path,
                format!("not a valid fleet report: {e}"),
            ));
        }
    };
    if report.format != super::FORMAT {
        return Err(not_a_report());
    }
    drop(text);
    // Each instance's report waits in the spool, as in a run: a merge holds one shard's
    // reports at a time.
    if let Some(spool) = spool {
        for i in &mut report.instances {
            // Its summary row's finding is taken while the report is at hand.
            i.most_severe();
            if let Some(Detail::Inline(r)) = &i.report
                && let Ok(spooled) = spool.put(r)
            {
                i.report = Some(spooled);
            }
        }
    }
    Ok(report)
}

/// Merges the reports of every shard of one run into the fleet report of the whole.
/// Each shard must come once, all made with one shard count, one fingerprint key and one
/// gate; otherwise the fleet-wide findings would be wrong, and it is an error naming the
/// file.
/// The shared waivers each shard report carries are applied again as of `today`.
pub fn merge(
    reports: Vec<(std::path::PathBuf, FleetReport)>,
    today: chrono::NaiveDate,
) -> Result<FleetReport> {
    let Some((first_path, first)) = reports.first() else {
        return Err(Error::Usage("fleet merge: no report given".into()));
    };
    let count = match first.shard {
        Some(s) => s.count,
        None => {
            return Err(Error::invalid(
                first_path,
                "is not a shard report (it was written without --shard K/N)",
            ));
        }
    };
    let mut seen: BTreeMap<u32, &Path> = BTreeMap::new();
    let mut names: BTreeMap<&str, &Path> = BTreeMap::new();
    for (path, r) in &reports {
        let Some(s) = r.shard else {
            return Err(Error::invalid(
                path,
                "is not a shard report (it was written without --shard K/N)",
            ));
        };
        if s.count != count {
            return Err(Error::invalid(
                path,
                format!(
                    "is shard {s}, but {} is of {count} shards",
                    first_path.display()
                ),
            ));
        }
        if let Some(other) = seen.insert(s.index, path) {
            return Err(Error::invalid(
                path,
                format!("is shard {s}, as {} is", other.display()),
            ));
        }
        if r.fingerprint.key_id != first.fingerprint.key_id {
            return Err(Error::invalid(
                path,
                format!(
                    "was fingerprinted with another key ({}) than {} ({}), so shared secrets cannot be found across them; run every shard with one ENVPARITY_FINGERPRINT_KEY",
                    r.fingerprint.describe(),
                    first_path.display(),
                    first.fingerprint.describe()
                ),
            ));
        }
        let same_waivers = r.shared_waivers.len() == first.shared_waivers.len()
            && r.shared_waivers
                .iter()
                .zip(&first.shared_waivers)
                .all(|(a, b)| a.same_waiver(b));
        if !same_waivers {
            return Err(Error::invalid(
                path,
                format!(
                    "has other shared waivers than {} (run every shard with the same shared_waivers file)",
                    first_path.display()
                ),
            ));
        }
        if r.fail_on != first.fail_on {
            return Err(Error::invalid(
                path,
                format!(
                    "gates on other classes than {} (run every shard with the same --fail-on and --allow)",
                    first_path.display()
                ),
            ));
        }
        for i in &r.instances {
            if let Some(other) = names.insert(&i.name, path) {
                return Err(Error::invalid(
                    path,
                    format!(
                        "instance `{}` is in {} too; merge the shards of one run",
                        i.name,
                        other.display()
                    ),
                ));
            }
        }
    }
    if let Some(missing) = (1..=count).find(|k| !seen.contains_key(k)) {
        return Err(Error::Usage(format!(
            "fleet merge: shard {missing}/{count} is missing (give the reports of all {count} shards)"
        )));
    }
    let gate = FleetGate {
        fail_on: first.fail_on.clone(),
        shared_waivers: first
            .shared_waivers
            .iter()
            .filter_map(WaiverStatus::waiver)
            .collect(),
        today,
    };
    let fingerprint = first.fingerprint.clone();
    let instances: Vec<InstanceReport> =
        reports.into_iter().flat_map(|(_, r)| r.instances).collect();
    Ok(FleetReport::new(instances, gate, fingerprint, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_as_k_of_n() {
        assert_eq!(Shard::parse("2/5"), Ok(Shard { index: 2, count: 5 }));
        for bad in ["0/3", "4/3", "1/0", "1", "a/b", "-1/3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_are_balanced() {
        let mut sizes = [0usize; 4];
        for i in 0..4000 {
            sizes[shard_of(&format!("university-{i}"), 4) as usize - 1] += 1;
        }
        for s in sizes {
            assert!((900..1100).contains(&s), "{sizes:?}");
        }
    }
}
