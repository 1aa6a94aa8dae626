//! The findings of a report and their data: the class of each difference, where its
//! values were read, what a waiver did to it. Classification makes them, waivers amend
//! them, and every renderer reads them; none of them needs to know how they were made.

use crate::profile::Severity;
use crate::surface;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The finding classes of the design contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Reduced,
    Shared,
    Unknown,
    Drift,
    Extra,
    Waived,
    Expected,
}

impl Class {
    pub const ALL: [Class; 7] = [
        Class::Reduced,
        Class::Shared,
        Class::Unknown,
        Class::Drift,
        Class::Extra,
        Class::Waived,
        Class::Expected,
    ];

    /// The classes that fail the gate unless told otherwise.
    pub const FAILING_BY_DEFAULT: [Class; 3] = [Class::Reduced, Class::Shared, Class::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Reduced => "reduced",
            Class::Shared => "shared",
            Class::Unknown => "unknown",
            Class::Drift => "drift",
            Class::Extra => "extra",
            Class::Waived => "waived",
            Class::Expected => "expected",
        }
    }

    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn default_severity(self) -> Severity {
        match self {
            Class::Reduced | Class::Shared | Class::Unknown => Severity::High,
            Class::Drift => Severity::Medium,
            Class::Extra => Severity::Low,
            Class::Waived | Class::Expected => Severity::Info,
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a waiver did to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverNote {
    /// `active` (the finding is waived) or `expired` (it is not, any more).
    pub status: String,
    pub reason: String,
    pub owner: String,
    pub expires: String,
    /// The class the finding had before the waiver applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived_class: Option<Class>,
}

/// Where a value came from, when a collector knows (file and line).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// One finding of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub class: Class,
    pub path: String,
    pub surface: String,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staging: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production: Option<Value>,
    /// The glob of the profile rule that judged it, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
    /// Where the production and staging values were read, when known.
    #[serde(default, skip_serializing_if = "Locations::is_empty")]
    pub locations: Locations,
    /// The difference comes with the release (see the report's `release` block).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub release: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locations {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staging: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production: Option<Location>,
}

impl Locations {
    pub fn is_empty(&self) -> bool {
        self.staging.is_none() && self.production.is_none()
    }
}

/// A short rendering of a value for messages (never a secret: those are markers).
pub fn brief(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) if surface::as_unknown(v).is_some() => "(unknown)".into(),
        Some(Value::String(s)) => truncate(s, 60),
        Some(v) => {
            if let Some(fp) = surface::as_secret(v) {
                return format!("secret {fp}");
            }
            truncate(&v.to_string(), 60)
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
