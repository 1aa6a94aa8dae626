//! What is built into the openedx image besides edx-platform: the Python packages the
//! rendered Dockerfile installs — Tutor's own (uWSGI, django-redis, the SCORM XBlock),
//! `OPENEDX_EXTRA_PIP_REQUIREMENTS`, and whatever plugins inject through the
//! `openedx-dockerfile-*` patches — at `/build/pip/<name>`. Equal image tags prove
//! nothing (Tutor tags the image with its own version); the Dockerfile says what goes in.

use super::builder::Builder;
use serde_json::{Map, Value};

/// One requirement as pip reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The PEP 503 normalised name (`openedx-scorm-xblock`).
    pub name: String,
    /// What the surface says about it: the version of a `==` pin (`5.0.3`), a range
    /// (`>=19.0.0,<20.0.0`), `*` for any version, or the VCS or archive URL it is built
    /// from (without credentials), so that one comparison says older, other or equal.
    pub spec: String,
}

/// `Django_Redis` → `django-redis` (PEP 503).
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// A VCS or archive URL without its credentials: pip's `…/repo@ref` keeps its ref, and
/// the userinfo (up to the last `@` before the path) is dropped whole, as a credential
/// has no place in a comparison.
fn source(url: &str) -> String {
    let (url, reference) = match url.rsplit_once('@') {
        Some((u, r))
            if !r.contains('/')
                && u.contains("://")
                && u[u.find("://").unwrap_or(0) + 3..].contains('/') =>
        {
            (u, Some(r))
        }
        _ => (url, None),
    };
    let without_user = match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    };
    let mut out = crate::normalize::safe_url(&without_user);
    if let Some(r) = reference {
        out.push('@');
        out.push_str(r);
    }
    out
}

/// Parses one requirement specifier (`name[extra]==1.0`, `name>=1,<2`,
/// `git+https://…@ref#egg=name`, `name @ https://…`); `None` for what is no requirement
/// (a path, a variable, an option).
pub fn parse_requirement(token: &str) -> Option<Requirement> {
    let token = token.trim().trim_matches(['"', '\'']);
    if token.is_empty()
        || token.starts_with(['-', '$', '.', '/', '{'])
        || token.contains("{{")
        || token.contains("{%")
    {
        return None;
    }
    if let Some((name, url)) = token
        .split_once(" @ ")
        .or_else(|| token.split_once('@').filter(|(n, _)| !n.contains(':')))
    {
        let name = name.trim();
        if !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.[]".contains(c))
        {
            return Some(Requirement {
                name: normalise(name.split('[').next().unwrap_or(name)),
                spec: source(url.trim()),
            });
        }
    }
    if token.contains("://") {
        let (url, fragment) = token.split_once('#').unwrap_or((token, ""));
        let egg = fragment
            .split('&')
            .find_map(|kv| kv.strip_prefix("egg="))
            .map(str::to_string)
            .or_else(|| {
                let path = url.split('@').next().unwrap_or(url);
                path.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .map(|n| n.trim_end_matches(".git").to_string())
            })?;
        return Some(Requirement {
            name: normalise(&egg),
            spec: source(url),
        });
    }
    let at = token
        .find(|c: char| "=<>!~;[ ".contains(c))
        .unwrap_or(token.len());
    let name = &token[..at];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return None;
    }
    let mut rest = token[at..].trim();
    if rest.starts_with('[') {
        rest = rest.split_once(']').map_or("", |(_, r)| r.trim());
    }
    let spec = rest.split(';').next().unwrap_or("").replace(' ', "");
    let spec = match spec.strip_prefix("==") {
        Some(v) if !v.contains([',', '*']) => v.to_string(),
        _ if spec.is_empty() => "*".to_string(),
        _ => spec,
    };
    Some(Requirement {
        name: normalise(name),
        spec,
    })
}

/// The Dockerfile's instructions, continuation lines joined and comment lines (allowed
/// inside a continued instruction) dropped.
fn instructions(dockerfile: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                if !current.trim().is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// The requirements every `pip install` of every `RUN` names, in order (a later one wins).
pub fn pip_requirements(dockerfile: &str) -> Vec<Requirement> {
    let mut out = Vec::new();
    for instruction in instructions(dockerfile) {
        let Some(run) = instruction.trim_start().strip_prefix("RUN ") else {
            continue;
        };
        for command in run.split("&&").flat_map(|c| c.split(';')) {
            let Some(words) = shlex::split(command) else {
                continue;
            };
            let Some(install) = words.windows(2).position(|w| {
                w[1] == "install" && (w[0].contains("pip") || w[0].contains("PIP_COMMAND"))
            }) else {
                continue;
            };
            let mut args = words[install + 2..].iter();
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    // Options that take a value: the value is no requirement.
                    "-r" | "--requirement" | "-c" | "--constraint" | "-i" | "--index-url"
                    | "--extra-index-url" | "-f" | "--find-links" | "--target" | "-t"
                    | "--prefix" | "--root" => {
                        args.next();
                    }
                    "-e" | "--editable" => {
                        if let Some(r) = args.next().and_then(|a| parse_requirement(a)) {
                            out.push(r);
                        }
                    }
                    a => out.extend(parse_requirement(a)),
                }
            }
        }
    }
    out
}

/// `/build/pip/<name>` for each package the Dockerfile installs.
pub fn pip_surface(dockerfile: &str) -> Map<String, Value> {
    pip_requirements(dockerfile)
        .into_iter()
        .map(|r| (r.name, Value::String(r.spec)))
        .collect()
}

impl Builder<'_> {
    pub(super) fn build(&mut self, dockerfile: Option<&str>) {
        match dockerfile {
            Some(text) => self.set("/build/pip", Value::Object(pip_surface(text))),
            None => self.set(
                "/build/pip",
                crate::surface::unknown(
                    "no env/build/openedx/Dockerfile in the rendered env/".to_string(),
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requirement_specifiers() {
        let r = |s| parse_requirement(s).map(|r| (r.name, r.spec));
        let p = |n: &str, s: &str| Some((n.to_string(), s.to_string()));
        assert_eq!(r("uwsgi==2.0.24"), p("uwsgi", "2.0.24"));
        assert_eq!(
            r("\"openedx-scorm-xblock>=19.0.0,<20.0.0\""),
            p("openedx-scorm-xblock", ">=19.0.0,<20.0.0")
        );
        assert_eq!(r("Django_Redis"), p("django-redis", "*"));
        assert_eq!(
            r(
                "git+https://github.com/openedx/xblock-drag-and-drop-v2@v5.0.3#egg=xblock-drag-and-drop-v2"
            ),
            p(
                "xblock-drag-and-drop-v2",
                "git+https://github.com/openedx/xblock-drag-and-drop-v2@v5.0.3"
            )
        );
        assert_eq!(
            r("my-xblock @ git+https://github.com/org/my-xblock@main"),
            p("my-xblock", "git+https://github.com/org/my-xblock@main")
        );
        assert_eq!(
            r("git+https://ci:pa/ss@w0rd@github.com/org/x.git@fix#egg=x"),
            p("x", "git+https://github.com/org/x.git@fix")
        );
        assert_eq!(r("celery[redis]==5.4.0"), p("celery", "5.4.0"));
        for none in ["-r", "$EXTRA", "./local", "/openedx/x", "{{ x }}"] {
            assert_eq!(r(none), None, "{none}");
        }
    }

    #[test]
    fn a_rendered_dockerfile_names_what_goes_into_the_image() {
        let dockerfile = "\
RUN --mount=type=cache,target=/openedx/.cache/pip,sharing=shared \\
    $PIP_COMMAND install -r /openedx/edx-platform/requirements/edx/base.txt
# Install extra requirements
RUN --mount=type=cache,target=/openedx/.cache/pip,sharing=shared \\
    $PIP_COMMAND install \\
    # Use redis as a django cache https://pypi.org/project/django-redis/
    django-redis==5.4.0 \\
    'git+https://user:tok3n@github.com/org/private-xblock@v1#egg=private-xblock'
RUN --mount=type=cache,target=/openedx/.cache/pip,sharing=shared \\
    UWSGI_PROFILE_OVERRIDE=\"xml=no\" \\
    $PIP_COMMAND install --no-cache-dir --compile uwsgi==2.0.24
RUN $PIP_COMMAND install \"openedx-scorm-xblock>=19.0.0,<20.0.0\" && echo done
RUN pip install -e git+https://github.com/org/editable@main#egg=editable
";
        let pip = pip_surface(dockerfile);
        assert_eq!(
            pip.keys().collect::<Vec<_>>(),
            [
                "django-redis",
                "editable",
                "openedx-scorm-xblock",
                "private-xblock",
                "uwsgi"
            ]
        );
        assert_eq!(pip["uwsgi"], json!("2.0.24"));
        assert_eq!(
            pip["private-xblock"],
            json!("git+https://github.com/org/private-xblock@v1")
        );
    }
}
