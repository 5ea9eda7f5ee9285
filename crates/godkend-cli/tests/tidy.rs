//! Tidy checks, in rust-analyzer's manner: the specification in `docs/` stays true to the code (every
//! finding code, flag rule and command it names exists, and every one that exists is named), the paths
//! the documentation names exist, and nothing in the repository points outside it.

use godkend_model::FundKode;
use godkend_rules::Regel;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The repository's own text files (no build output, no generated data).
fn text_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !["target", ".git", "out", "demo", "forventet", "kilder", "node_modules"].contains(&name.as_str()) {
                    walk(&path, out);
                }
            } else if ["rs", "md", "toml", "typ", "py", "conf", "csv"].iter().any(|e| name.ends_with(&format!(".{e}")))
                || name == "run"
            {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo(), &mut out);
    out
}

/// The first column of every table row in `text` after `heading` (up to the next heading), unquoted.
fn first_column(text: &str, heading: &str) -> BTreeSet<String> {
    let start = text.find(heading).unwrap_or_else(|| panic!("no heading `{heading}`"));
    text[start + heading.len()..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(code, _)| code.to_string()))
        .collect()
}

fn compare(what: &str, doc: &str, documented: &BTreeSet<String>, actual: &BTreeSet<String>) {
    let missing: Vec<_> = actual.difference(documented).collect();
    let unknown: Vec<_> = documented.difference(actual).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{doc} is out of date:\n  {what} in the code but not in {doc}: {missing:?}\n  \
         {what} in {doc} that the code does not have: {unknown:?}"
    );
}

#[test]
fn every_finding_code_is_documented_and_every_documented_one_exists() {
    let documented = first_column(&read("docs/leveringer.md"), "### Finding codes");
    let actual = FundKode::ALL.iter().map(|k| k.code().to_string()).collect();
    compare("finding codes", "docs/leveringer.md", &documented, &actual);
}

#[test]
fn every_flag_rule_is_documented_and_every_documented_one_exists() {
    let documented = first_column(&read("docs/markeringer.md"), "## Flags");
    let actual = Regel::ALL.iter().map(|r| r.code().to_string()).collect();
    compare("rules", "docs/markeringer.md", &documented, &actual);
}

#[test]
fn every_command_is_documented_and_every_documented_one_exists() {
    let out = Command::new(env!("CARGO_BIN_EXE_godkend")).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let actual: BTreeSet<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Kommandoer:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    assert!(actual.len() >= 5, "could not read the commands from --help:\n{help}");
    let documented: BTreeSet<String> = read("docs/kommandoer.md")
        .lines()
        .filter_map(|l| l.strip_prefix("### godkend "))
        .map(|c| c.trim().to_string())
        .collect();
    compare("commands", "docs/kommandoer.md", &documented, &actual);
}

/// Paths in backticks that start with a top-level folder of the repository, and relative Markdown links.
fn named_paths(text: &str) -> Vec<String> {
    const ROOTS: [&str; 8] =
        ["crates/", "reference-data/", "report-templates/", "fixtures/", "xtask/", "docs/", ".ci/", "kilder/"];
    let mut out = Vec::new();
    for (i, chunk) in text.split('`').enumerate() {
        let chunk = chunk.trim_end_matches(['.', ',', ':']);
        if i % 2 == 1 && ROOTS.iter().any(|r| chunk.starts_with(r)) && !chunk.contains(['<', '*', '…', ' ', '|']) {
            out.push(chunk.to_string());
        }
    }
    for part in text.split("](").skip(1) {
        let target = part.split([')', '#']).next().unwrap_or_default();
        if !target.is_empty() && !target.contains("://") {
            out.push(format!("./{target}"));
        }
    }
    out
}

#[test]
fn paths_the_documentation_names_exist() {
    let root = repo();
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.extend(
        ["README.md", "ARCHITECTURE.md", "reference-data/README.md", "docs/kilder/README.md"].map(|f| root.join(f)),
    );
    let mut broken = Vec::new();
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        for path in named_paths(&text) {
            let base =
                if path.starts_with("./") || path.starts_with("kilder/") { doc.parent().unwrap() } else { &root };
            if !base.join(path.trim_start_matches("./")).exists() {
                broken.push(format!("{}: `{path}`", doc.strip_prefix(&root).unwrap().display()));
            }
        }
    }
    assert!(broken.is_empty(), "documentation names paths that do not exist:\n  {}", broken.join("\n  "));
}

/// Paths a Rust file's doc comments (`//!`, `///`) name: in backticks, or bare with a file extension
/// (`docs/markeringer.md, "Dialogen"`), relative to the repository.
fn doc_comment_paths(source: &str) -> BTreeSet<String> {
    const ROOTS: [&str; 7] =
        ["crates/", "reference-data/", "report-templates/", "fixtures/", "xtask/", "docs/", ".ci/"];
    const EXTENSIONS: [&str; 8] = [".md", ".rs", ".csv", ".toml", ".typ", ".py", ".json", ".conf"];
    let docs: String = source
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("//!").or_else(|| l.trim_start().strip_prefix("///")))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out: BTreeSet<String> = named_paths(&docs).into_iter().filter(|p| !p.starts_with("./")).collect();
    for word in docs.split(|c: char| c.is_whitespace() || "(),;\"'`".contains(c)) {
        let word = word.trim_end_matches(['.', ':']);
        if ROOTS.iter().any(|r| word.starts_with(r))
            && EXTENSIONS.iter().any(|e| word.ends_with(e))
            && !word.contains(['<', '*', '…', '|'])
        {
            out.insert(word.to_string());
        }
    }
    out
}

#[test]
fn paths_the_doc_comments_name_exist() {
    let root = repo();
    let mut broken = Vec::new();
    for file in text_files().into_iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for path in doc_comment_paths(&text) {
            if !root.join(&path).exists() {
                broken.push(format!("{}: `{path}`", file.strip_prefix(&root).unwrap().display()));
            }
        }
    }
    assert!(broken.is_empty(), "doc comments name paths that do not exist:\n  {}", broken.join("\n  "));
    // The check bites: a doc comment naming a missing file is found, a real one is not.
    let probe =
        "//! See `crates/godkend-stats/RAPPORT-JSON.md` and docs/markeringer.md, \"Dialogen\".\n/// docs/nope.md\n";
    let found: Vec<String> = doc_comment_paths(probe).into_iter().collect();
    assert_eq!(found, ["crates/godkend-stats/RAPPORT-JSON.md", "docs/markeringer.md", "docs/nope.md"]);
}

#[test]
fn nothing_refers_outside_the_repository() {
    // Spelled in pieces so that this file does not match itself.
    let outside = [
        concat!("../", "shared"),
        concat!("shared", "/seeds"),
        concat!("shared", "/reference"),
        concat!("TECH", "-NOTES"),
        concat!("DESIGN", ".md"),
        concat!("DESIGN", " §"),
    ];
    let root = repo();
    let mut hits = Vec::new();
    for file in text_files() {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        for (n, line) in text.lines().enumerate() {
            if let Some(p) = outside.iter().find(|p| line.contains(*p)) {
                hits.push(format!("{}:{}: `{p}`", file.strip_prefix(&root).unwrap().display(), n + 1));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "the repository must explain itself; these point outside it (use docs/):\n  {}",
        hits.join("\n  ")
    );
}

#[test]
fn every_source_file_says_what_it_is() {
    let root = repo();
    let missing: Vec<String> = text_files()
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .filter(|f| !std::fs::read_to_string(f).unwrap().starts_with("//!"))
        .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "these files have no `//!` line at the top: {missing:?}");
}

/// The sibling modules a source file names through `crate::…` (in `use` lines and paths), comments aside.
fn sibling_uses(source: &str, modules: &BTreeSet<String>, own: &str) -> BTreeSet<String> {
    let code: String = source.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut out = BTreeSet::new();
    let mut add = |word: &str| {
        if word != own && modules.contains(word) {
            out.insert(word.to_string());
        }
    };
    for part in code.split("crate::").skip(1) {
        if let Some(group) = part.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or_default();
            group.split(|c: char| !c.is_alphanumeric() && c != '_').for_each(&mut add);
        } else {
            add(part.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or_default());
        }
    }
    out
}

/// A pair of modules of one crate that reach each other through `crate::` uses, if any.
fn circle(graph: &std::collections::BTreeMap<String, BTreeSet<String>>) -> Option<(String, String)> {
    for (a, deps) in graph {
        for b in deps {
            let (mut seen, mut stack) = (BTreeSet::new(), vec![b.clone()]);
            while let Some(n) = stack.pop() {
                if &n == a {
                    return Some((a.clone(), b.clone()));
                }
                if seen.insert(n.clone()) {
                    stack.extend(graph.get(&n).into_iter().flatten().cloned());
                }
            }
        }
    }
    None
}

#[test]
fn no_circles_between_the_files_of_a_crate() {
    let root = repo();
    let mut circles = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        let files: Vec<PathBuf> = std::fs::read_dir(&src)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .filter(|p| !["lib.rs", "main.rs"].contains(&p.file_name().unwrap().to_str().unwrap()))
            .collect();
        let modules: BTreeSet<String> =
            files.iter().map(|p| p.file_stem().unwrap().to_string_lossy().into_owned()).collect();
        let graph = files
            .iter()
            .map(|p| {
                let own = p.file_stem().unwrap().to_string_lossy().into_owned();
                let uses = sibling_uses(&std::fs::read_to_string(p).unwrap(), &modules, &own);
                (own, uses)
            })
            .collect();
        if let Some((a, b)) = circle(&graph) {
            circles.push(format!("{}: {a} ↔ {b}", src.strip_prefix(&root).unwrap().display()));
        }
    }
    assert!(circles.is_empty(), "modules that depend on each other:\n  {}", circles.join("\n  "));
    // The check bites: two files naming each other are a circle.
    let modules: BTreeSet<String> = ["dialog", "report"].map(String::from).into();
    let graph = [
        ("dialog".to_string(), sibling_uses("use crate::report::KommuneRapport;", &modules, "dialog")),
        ("report".to_string(), sibling_uses("use crate::{Error, dialog};", &modules, "report")),
    ]
    .into();
    assert_eq!(circle(&graph), Some(("dialog".into(), "report".into())));
}
