//! The documentation cannot drift from the tool: every `console` block in the README, in
//! `docs/` and in `examples/README.md` runs here, and its exit code and output must match.
//!
//! A block looks like this:
//!
//! ````text
//! ```console
//! $ envparity check --staging examples/staging \
//!     --production examples/production
//! ? 1
//! ...
//! FAIL: staging is not a faithful copy of production (15 reduced[..]
//! ```
//! ````
//!
//! - `$ ` starts a command (a trailing `\` continues it on the next line). Only `envparity`
//!   runs, optionally after `NAME=value` assignments; it runs from the repository root.
//! - `? N` right after the command is the exit code it must end with (default 0).
//! - The other lines are its output, stdout then stderr: `...` alone on a line stands for any
//!   number of lines, `[..]` inside a line for any text.
//!
//! Every block runs with one fixed fingerprint key, no colour and no terminal, in a private
//! home, so the output is the same on every machine. Links to files and fences are checked
//! too: a link to a missing file or an unclosed fence fails.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const KEY: &str = "envparity-docs-fingerprint-key";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The markdown files whose examples are promises.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md"), root().join("examples/README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ is readable")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

#[derive(Debug)]
struct Example {
    page: PathBuf,
    line: usize,
    command: String,
    code: i32,
    expected: Vec<String>,
}

/// The fenced blocks of one page: (info string, first line number, lines).
fn fences(text: &str) -> Result<Vec<(String, usize, Vec<String>)>, String> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, usize, Vec<String>)> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start().starts_with("```") && !line.trim_start().starts_with("````");
        match (&mut open, fence) {
            (None, true) => {
                let info = line.trim_start().trim_start_matches('`').trim().to_string();
                open = Some((info, i + 1, Vec::new()));
            }
            (Some(_), true) => {
                if line.trim() != "```" {
                    return Err(format!(
                        "line {}: a fence that closes a block must be a bare ```",
                        i + 1
                    ));
                }
                blocks.push(open.take().expect("a block is open"));
            }
            (Some((_, _, lines)), false) => lines.push(line.to_string()),
            (None, false) => {}
        }
    }
    match open {
        Some((_, line, _)) => Err(format!("line {line}: a fence is never closed")),
        None => Ok(blocks),
    }
}

fn examples(page: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(page).expect("page is readable");
    let blocks = fences(&text).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
    let mut out = Vec::new();
    for (_, first, lines) in blocks.into_iter().filter(|b| b.0 == "console") {
        let mut i = 0;
        while i < lines.len() {
            let Some(start) = lines[i].strip_prefix("$ ") else {
                panic!(
                    "{}:{}: a console block starts with `$ `",
                    page.display(),
                    first + 1 + i
                );
            };
            let line = first + 1 + i;
            let mut command = start.to_string();
            while command.ends_with('\\') {
                command.pop();
                i += 1;
                command.push(' ');
                command.push_str(lines[i].trim());
            }
            i += 1;
            let mut code = 0;
            if let Some(c) = lines.get(i).and_then(|l| l.strip_prefix("? ")) {
                code = c.trim().parse().expect("`? N` names an exit code");
                i += 1;
            }
            let mut expected = Vec::new();
            while i < lines.len() && !lines[i].starts_with("$ ") {
                expected.push(lines[i].clone());
                i += 1;
            }
            out.push(Example {
                page: page.to_path_buf(),
                line,
                command,
                code,
                expected,
            });
        }
    }
    out
}

/// Does one line match its pattern, where `[..]` stands for any text?
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if line.len() < first.len() + last.len() {
        return false;
    }
    if !line.starts_with(first) || !line[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Do the lines match the patterns, where a `...` line stands for any number of lines?
/// Greedy matching backs off one `...` at a time, which is linear for the few `...` a page
/// uses.
fn lines_match(patterns: &[String], lines: &[&str]) -> bool {
    match patterns.split_first() {
        None => lines.is_empty(),
        Some((p, rest)) if p == "..." => {
            (0..=lines.len()).any(|skip| lines_match(rest, &lines[skip..]))
        }
        Some((p, rest)) => {
            !lines.is_empty() && line_matches(p, lines[0]) && lines_match(rest, &lines[1..])
        }
    }
}

fn run(example: &Example, home: &Path) -> Result<(), String> {
    let mut words = shlex::split(&example.command)
        .ok_or_else(|| format!("cannot split `{}`", example.command))?
        .into_iter();
    let mut envs = Vec::new();
    let program = loop {
        let w = words.next().ok_or("no program")?;
        match w.split_once('=') {
            Some((name, value)) if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                envs.push((name.to_string(), value.to_string()));
            }
            _ => break w,
        }
    };
    if program != "envparity" {
        return Err(format!(
            "only `envparity` runs in a console block, not `{program}`"
        ));
    }
    let mut cmd = assert_cmd::Command::cargo_bin("envparity").expect("the binary is built");
    cmd.current_dir(root())
        .env_clear()
        // The docs show a machine without `tutor` on PATH (envparity runs nothing else).
        .env("PATH", "/nonexistent")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("ENVPARITY_FINGERPRINT_KEY", KEY)
        .env("NO_COLOR", "1")
        .args(words);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    let code = out.status.code().ok_or("ended by a signal")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    let mut trouble = String::new();
    if code != example.code {
        let _ = writeln!(trouble, "exit code {code}, the page says {}", example.code);
    }
    if !lines_match(&example.expected, &lines) {
        let _ = writeln!(
            trouble,
            "output differs; the page says:\n{}\n--- the tool says:\n{text}",
            example.expected.join("\n")
        );
    }
    if trouble.is_empty() {
        Ok(())
    } else {
        Err(trouble)
    }
}

#[test]
fn every_console_example_in_the_docs_runs_as_written() {
    let home = tempfile::tempdir().expect("a private home");
    let all: Vec<Example> = pages().iter().flat_map(|p| examples(p)).collect();
    assert!(
        all.len() >= 5,
        "the docs show at least five runnable examples, found {}",
        all.len()
    );
    let mut failures = String::new();
    for e in &all {
        if let Err(why) = run(e, home.path()) {
            let rel = e.page.strip_prefix(root()).unwrap_or(&e.page);
            let _ = writeln!(
                failures,
                "{}:{}: `{}`\n{why}",
                rel.display(),
                e.line,
                e.command
            );
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// Relative links in the docs point at files that exist.
#[test]
fn every_relative_link_in_the_docs_points_at_a_file() {
    let mut missing = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).expect("page is readable");
        let dir = page.parent().expect("a page has a folder");
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("](") {
                let tail = &rest[at + 2..];
                let Some(end) = tail.find(')') else { break };
                let target = tail[..end].split('#').next().unwrap_or("");
                rest = &tail[end..];
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                if !dir.join(target).exists() {
                    missing.push(format!("{}:{}: {target}", page.display(), n + 1));
                }
            }
            for word in line.split(|c: char| c == '`' || c.is_whitespace()) {
                let word = word.trim_end_matches(['.', ',', ';', ':', ')']);
                if (word.starts_with("docs/") || word.starts_with("examples/"))
                    && word.ends_with(".md")
                    && !root().join(word).exists()
                {
                    missing.push(format!("{}:{}: {word}", page.display(), n + 1));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "links to missing files:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_matcher_understands_elisions() {
    let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(lines_match(&p(&["a", "...", "z"]), &["a", "b", "c", "z"]));
    assert!(lines_match(&p(&["a", "...", "z"]), &["a", "z"]));
    assert!(!lines_match(&p(&["a", "...", "z"]), &["a", "b"]));
    assert!(lines_match(
        &p(&["FAIL: [..] (15 reduced[..]"]),
        &["FAIL: x y (15 reduced, 2 shared)"]
    ));
    assert!(!lines_match(
        &p(&["FAIL: [..] (15 reduced[..]"]),
        &["FAIL: x y (14 reduced, 2 shared)"]
    ));
    assert!(!lines_match(&p(&["a"]), &["a", "b"]));
    assert!(fences("```sh\nx\n").is_err());
    assert!(fences("```sh\nx\n```\n").is_ok());
}
