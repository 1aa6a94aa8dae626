//! The LMS's own tables, read through the `mysql` source when its config names the LMS
//! database (`lms_database = "edxapp"`): what is configured, whether the login page shows
//! it or not. The live LMS lists only the SSO providers visible on its login page; a
//! hidden provider is found only here.
//!
//! Read-only `SELECT`s, one table at a time: a table the account may not read, or that
//! this release does not have, makes that one part unknown with the reason, and the rest
//! is read. The provider and configuration tables are ConfigurationModels, which keep
//! their history (every change is a new row): only the current row per key counts, the
//! one with the highest id. Never read: provider secrets and keys, SAML private keys,
//! OAuth client secrets. `other_settings` (free-form JSON that may hold credentials) is
//! kept as a keyed digest; site configuration values are redacted like every other value.

use super::endpoint::within;
use super::mysql::text;
use crate::normalize::Fingerprinter;
use crate::surface;
use mysql_async::Conn;
use mysql_async::prelude::Queryable;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The pointers the LMS tables speak for.
pub const COVERS: [&str; 4] = [
    "/sso/configured_providers",
    "/sso/saml_configurations",
    "/settings/site_configuration",
    "/settings/oauth_applications",
];

/// One provider table: its kind, the id prefix and key columns Open edX builds the
/// provider id from, and the columns read (never a secret).
struct ProviderTable {
    table: &'static str,
    kind: &'static str,
    /// `provider_id` = prefix + "-" + this column (edx-platform's `KEY_FIELDS`, without
    /// the site for OAuth2, as its `provider_id` does).
    id_prefix: &'static str,
    id_column: &'static str,
    /// The current row is the newest per these columns.
    key_columns: &'static str,
    extra: &'static [&'static str],
}

const PROVIDERS: [ProviderTable; 3] = [
    ProviderTable {
        table: "third_party_auth_samlproviderconfig",
        kind: "saml",
        id_prefix: "saml",
        id_column: "slug",
        key_columns: "slug",
        extra: &["entity_id", "other_settings"],
    },
    ProviderTable {
        table: "third_party_auth_oauth2providerconfig",
        kind: "oauth2",
        id_prefix: "oa2",
        id_column: "backend_name",
        key_columns: "site_id, backend_name",
        extra: &["other_settings"],
    },
    ProviderTable {
        table: "third_party_auth_ltiproviderconfig",
        kind: "lti",
        id_prefix: "lti",
        id_column: "lti_consumer_key",
        key_columns: "lti_consumer_key",
        extra: &[],
    },
];

/// Reads the LMS tables of `database` into a partial surface.
pub async fn read(
    conn: &mut Conn,
    database: &str,
    deadline: Duration,
    fp: &Fingerprinter,
) -> Value {
    let mut out = surface::empty();
    let db = quote_ident(database);

    let mut providers = Map::new();
    let mut unreadable = Vec::new();
    for t in &PROVIDERS {
        match read_providers(conn, &db, t, deadline, fp).await {
            Ok(found) => providers.extend(found),
            Err(e) => unreadable.push(e),
        }
    }
    // One unreadable table is enough to make the set of configured providers uncertain.
    let configured = if unreadable.is_empty() {
        Value::Object(providers)
    } else {
        surface::unknown(unreadable.join("; "))
    };
    surface::set_pointer(&mut out, "/sso/configured_providers", configured);

    let saml = read_saml_configurations(conn, &db, deadline)
        .await
        .unwrap_or_else(surface::unknown);
    surface::set_pointer(&mut out, "/sso/saml_configurations", saml);

    let sites = read_site_configuration(conn, &db, deadline)
        .await
        .unwrap_or_else(surface::unknown);
    surface::set_pointer(&mut out, "/settings/site_configuration", sites);

    let apps = read_oauth_applications(conn, &db, deadline)
        .await
        .unwrap_or_else(surface::unknown);
    surface::set_pointer(&mut out, "/settings/oauth_applications", apps);
    out
}

/// `edxapp` → `` `edxapp` `` (a backtick in the name doubled).
fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The enabled providers of one table, current rows only, keyed by provider id.
async fn read_providers(
    conn: &mut Conn,
    db: &str,
    t: &ProviderTable,
    deadline: Duration,
    fp: &Fingerprinter,
) -> Result<Map<String, Value>, String> {
    let extra: String = t.extra.iter().map(|c| format!(", {c}")).collect();
    let sql = format!(
        "SELECT {id}, enabled, visible, site_id{extra} FROM {db}.{table} \
         WHERE id IN (SELECT MAX(id) FROM {db}.{table} GROUP BY {keys})",
        id = t.id_column,
        table = t.table,
        keys = t.key_columns,
    );
    let rows = select(conn, deadline, t.table, sql).await?;
    let mut out = Map::new();
    for row in rows {
        let Some(key) = text(&row, 0) else { continue };
        if !flag(&row, 1) {
            // A disabled provider is no provider to Open edX.
            continue;
        }
        let id = format!("{}-{key}", t.id_prefix);
        let mut p = Map::new();
        p.insert("kind".into(), json!(t.kind));
        p.insert("visible".into(), json!(flag(&row, 2)));
        p.insert("site".into(), json!(text(&row, 3)));
        for (i, column) in t.extra.iter().enumerate() {
            let v = text(&row, 4 + i);
            let value = match (*column, v) {
                ("other_settings", None) => continue,
                ("other_settings", Some(s)) if s.trim().is_empty() => continue,
                ("other_settings", Some(s)) => match serde_json::from_str::<Value>(&s) {
                    // Free-form settings may hold credentials: compared by a keyed
                    // digest, which is no secret itself (equal digests are no finding).
                    Ok(v) => json!(fp.fingerprint(&v.to_string())),
                    Err(e) => surface::unknown(format!(
                        "{}: `other_settings` of {id} is not JSON ({e})",
                        t.table
                    )),
                },
                (_, v) => json!(v),
            };
            let key = if *column == "other_settings" {
                "other_settings_digest"
            } else {
                column
            };
            p.insert(key.into(), value);
        }
        out.insert(id, Value::Object(p));
    }
    Ok(out)
}

/// SAML service-provider configurations: current row per site and slug (never the keys).
async fn read_saml_configurations(
    conn: &mut Conn,
    db: &str,
    deadline: Duration,
) -> Result<Value, String> {
    let table = "third_party_auth_samlconfiguration";
    let sql = format!(
        "SELECT site_id, slug, enabled, entity_id FROM {db}.{table} \
         WHERE id IN (SELECT MAX(id) FROM {db}.{table} GROUP BY site_id, slug)"
    );
    let rows = select(conn, deadline, table, sql).await?;
    let mut out = Value::Object(Map::new());
    for row in rows {
        let (Some(site), Some(slug)) = (text(&row, 0), text(&row, 1)) else {
            continue;
        };
        let pointer = surface::join_pointer(&[format!("site-{site}"), slug]);
        surface::set_pointer(
            &mut out,
            &pointer,
            json!({"enabled": flag(&row, 2), "entity_id": text(&row, 3)}),
        );
    }
    Ok(out)
}

/// Site configuration: per site (`site-<id>`), whether it is enabled and its values.
async fn read_site_configuration(
    conn: &mut Conn,
    db: &str,
    deadline: Duration,
) -> Result<Value, String> {
    let table = "site_configuration_siteconfiguration";
    let sql = format!("SELECT site_id, enabled, site_values FROM {db}.{table}");
    let rows = select(conn, deadline, table, sql).await?;
    let mut out = Map::new();
    for row in rows {
        let Some(site) = text(&row, 0) else { continue };
        let values = match text(&row, 2) {
            None => Value::Object(Map::new()),
            Some(s) if s.trim().is_empty() => Value::Object(Map::new()),
            Some(s) => serde_json::from_str::<Value>(&s).unwrap_or_else(|e| {
                surface::unknown(format!(
                    "{table}: `site_values` of site {site} is not JSON ({e})"
                ))
            }),
        };
        out.insert(
            format!("site-{site}"),
            json!({"enabled": flag(&row, 1), "values": values}),
        );
    }
    Ok(Value::Object(out))
}

/// OAuth2 applications by name: client type, grant type, redirect URIs (never the secret).
async fn read_oauth_applications(
    conn: &mut Conn,
    db: &str,
    deadline: Duration,
) -> Result<Value, String> {
    let table = "oauth2_provider_application";
    let sql = format!(
        "SELECT name, client_type, authorization_grant_type, redirect_uris, skip_authorization \
         FROM {db}.{table}"
    );
    let rows = select(conn, deadline, table, sql).await?;
    let mut out = Map::new();
    for row in rows {
        let Some(name) = text(&row, 0).filter(|n| !n.is_empty()) else {
            continue;
        };
        let redirect_uris: Vec<Value> = text(&row, 3)
            .unwrap_or_default()
            .split_whitespace()
            .map(|u| json!(u))
            .collect();
        out.insert(
            name,
            json!({
                "client_type": text(&row, 1),
                "grant_type": text(&row, 2),
                "redirect_uris": redirect_uris,
                "skip_authorization": flag(&row, 4),
            }),
        );
    }
    Ok(Value::Object(out))
}

/// The rows of one read-only query of `table`; an error names the table.
async fn select(
    conn: &mut Conn,
    deadline: Duration,
    table: &str,
    sql: String,
) -> Result<Vec<mysql_async::Row>, String> {
    within(deadline, &format!("reading {table}"), conn.query(sql))
        .await
        .map_err(|e| format!("{table}: {e}"))
}

fn flag(row: &mysql_async::Row, idx: usize) -> bool {
    text(row, idx).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The site configuration's word on third-party authentication, when one enabled site
/// says it: `third_party_auth.is_enabled()` asks the site configuration before the
/// `ENABLE_THIRD_PARTY_AUTH` feature, so it wins over the toggle report.
pub fn site_third_party_auth(surface: &Value) -> Option<bool> {
    let sites = surface
        .pointer("/settings/site_configuration")?
        .as_object()?;
    let said: Vec<bool> = sites
        .values()
        .filter(|s| s.get("enabled").and_then(Value::as_bool) == Some(true))
        .filter_map(|s| s.pointer("/values/ENABLE_THIRD_PARTY_AUTH"))
        .filter_map(crate::surface::boolish)
        .collect();
    match said.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}
