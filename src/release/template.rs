//! The subset of Jinja that Tutor's defaults use: `{{ NAME }}` and
//! `{% if COND %}A{% else %}B{% endif %}`. Shared by the Tutor collector (which resolves a
//! root's settings) and release attribution (which renders each release's defaults).

use serde_json::{Map, Value};

/// Resolves the template forms Tutor's defaults use, in a few passes since defaults refer
/// to other defaults (`MEILISEARCH_PUBLIC_URL` → `MEILISEARCH_HOST` → `LMS_HOST`). A value
/// whose template cannot be resolved here (a filter, an unknown name) is dropped rather
/// than compared as template text.
pub fn resolve_templates(settings: &mut Map<String, Value>, tutor_version: Option<&str>) {
    let mut vars = settings.clone();
    if let Some(v) = tutor_version {
        vars.insert("TUTOR_VERSION".into(), Value::String(v.into()));
    }
    for _ in 0..5 {
        let mut changed = false;
        let keys: Vec<String> = settings.keys().cloned().collect();
        for k in keys {
            let Some(Value::String(s)) = settings.get(&k) else {
                continue;
            };
            if !is_template(s) {
                continue;
            }
            if let Some(r) = render_template(s, &vars)
                && r != *s
            {
                settings.insert(k.clone(), Value::String(r.clone()));
                vars.insert(k, Value::String(r));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    settings.retain(|_, v| !matches!(v, Value::String(s) if is_template(s)));
}

pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

/// Renders `{{ NAME }}` and `{% if COND %}A{% else %}B{% endif %}` (COND: `NAME` or
/// `NAME == 'literal'`). None when the template uses anything else.
pub fn render_template(s: &str, vars: &Map<String, Value>) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    loop {
        let next = match (rest.find("{{"), rest.find("{%")) {
            (None, None) => {
                out.push_str(rest);
                return Some(out);
            }
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
        };
        out.push_str(&rest[..next]);
        rest = &rest[next..];
        if let Some(after) = rest.strip_prefix("{{") {
            let end = after.find("}}")?;
            let name = after[..end].trim();
            out.push_str(&template_text(vars.get(name)?)?);
            rest = &after[end + 2..];
        } else {
            let after = rest.strip_prefix("{%")?;
            let end = after.find("%}")?;
            let cond = after[..end].trim().strip_prefix("if ")?.trim();
            let body = &after[end + 2..];
            let (else_at, else_len) = find_tag(body, "else")?;
            let (endif_at, endif_len) = find_tag(body, "endif")?;
            if else_at > endif_at {
                return None;
            }
            let (yes, no) = (&body[..else_at], &body[else_at + else_len..endif_at]);
            if yes.contains("{%") || no.contains("{%") {
                return None;
            }
            let branch = if eval_condition(cond, vars)? { yes } else { no };
            out.push_str(&render_template(branch, vars)?);
            rest = &body[endif_at + endif_len..];
        }
    }
}

fn find_tag(s: &str, tag: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = s[from..].find("{%") {
        let start = from + i;
        // The closing `%}` is searched after the opening `{%`: in `{%}` they overlap.
        let end = s[start + 2..].find("%}")? + start + 4;
        if s[start + 2..end - 2].trim() == tag {
            return Some((start, end - start));
        }
        from = end;
    }
    None
}

fn eval_condition(cond: &str, vars: &Map<String, Value>) -> Option<bool> {
    if let Some((name, lit)) = cond.split_once("==") {
        let lit = lit.trim();
        let lit = lit
            .strip_prefix('\'')
            .and_then(|l| l.strip_suffix('\''))
            .or_else(|| lit.strip_prefix('"').and_then(|l| l.strip_suffix('"')))?;
        return Some(template_text(vars.get(name.trim())?)? == lit);
    }
    Some(match vars.get(cond)? {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    })
}

fn template_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        _ => None,
    }
}
