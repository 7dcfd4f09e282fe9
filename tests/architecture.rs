//! The layering of ARCHITECTURE.md, enforced: every `crate::` path in a module's code may only name a module of a
//! lower layer (or one the table lets it use on its own layer), so dependencies point one way and no two
//! modules import each other, directly or through a loop. Inside a module, sibling files may not import each
//! other in a loop either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use any module of a lower layer; `ALSO` lists same-layer uses.
const LAYERS: &[&[&str]] = &[
    &["paths", "machine"],
    &["catalogue", "demo"],
    &["store"],
    &["encode"],
    &["model"],
    &["score"],
    &["engine"],
    &["labels"],
    &["export"],
    &["looks"],
    &["curate"],
    // Leaves: `main` dispatches to them; nothing imports them and they do not import each other.
    &["ui", "cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without comments (doc links name modules without importing them) and string literals.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut s = String::new();
        let mut in_str = false;
        let mut prev = ' ';
        let cs: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < cs.len() {
            let c = cs[i];
            if !in_str && c == '/' && cs.get(i + 1) == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\\' && !(prev == '\'' && cs.get(i + 1) == Some(&'\'')) {
                in_str = !in_str;
            } else if !in_str {
                s.push(c);
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
            i += 1;
        }
        out.push_str(&s);
        out.push('\n');
    }
    out
}

/// The code before a file's unit-test module (`#[cfg(test)] mod ...`, last by convention): tests may reach a
/// sibling's types without that being a dependency of the module itself.
fn without_tests(code: &str) -> &str {
    let mut at = 0;
    let mut prev_cfg_test = false;
    for line in code.split_inclusive('\n') {
        let t = line.trim();
        if prev_cfg_test && (t.starts_with("mod ") || t.starts_with("pub(crate) mod ") || t.starts_with("pub mod ")) {
            return &code[..at];
        }
        prev_cfg_test = t == "#[cfg(test)]";
        at += line.len();
    }
    code
}

/// Identifiers following `prefix` (`crate::` or `super::`) in the code.
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c}`: every top-level name in the group.
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let n: String = part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !n.is_empty() {
                    names.insert(n);
                }
            }
            continue;
        }
        let n: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if !n.is_empty() {
            names.insert(n);
        }
    }
    names
}

struct Source {
    /// Top-level module (`engine` for src/engine/training.rs, `paths` for src/paths.rs).
    module: String,
    /// File inside the module (`training`), `mod` for the module root or a one-file module.
    file: String,
    code: String,
    rel: String,
}

fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        if rel == "lib.rs" || rel == "main.rs" {
            continue;
        }
        let parts: Vec<&str> = rel.trim_end_matches(".rs").split('/').collect();
        let module = parts[0].to_string();
        let file = if parts.len() == 1 { "mod".to_string() } else { parts[1].to_string() };
        let code = code_of(&std::fs::read_to_string(&f).unwrap());
        out.push(Source { module, file, code, rel });
    }
    out
}

#[test]
fn every_module_is_in_the_layer_table() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(m) = line.trim().strip_prefix("pub mod ").or_else(|| line.trim().strip_prefix("mod ")) {
            let m = m.trim_end_matches(';');
            assert!(layer_of(m).is_some(), "src/lib.rs declares `{m}`, which ARCHITECTURE.md and this test's table lack");
        }
    }
}

#[test]
fn imports_only_point_down_the_layers() {
    let mut wrong = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources() {
        let Some(own) = layer_of(&s.module) else {
            wrong.push(format!("{}: module `{}` is not in the layer table", s.rel, s.module));
            continue;
        };
        for used in names_after(&s.code, "crate::") {
            if used == s.module {
                continue;
            }
            let Some(theirs) = layer_of(&used) else { continue };
            edges.entry(s.module.clone()).or_default().insert(used.clone());
            if theirs >= own {
                wrong.push(format!("{} uses crate::{used}: `{}` may only use lower layers", s.rel, s.module));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against ARCHITECTURE.md:\n  {}", wrong.join("\n  "));
    // The table makes cycles impossible; say so explicitly for the two leaves.
    for leaf in ["ui", "cli"] {
        for (m, used) in &edges {
            assert!(!used.contains(leaf), "{m} imports the leaf `{leaf}`");
        }
    }
}

/// Depth-first search for a cycle in `graph`; returns one as a path.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == m).unwrap();
                    let mut c = stack[from..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, graph, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn files_inside_a_module_do_not_import_each_other_in_a_loop() {
    let all = sources();
    let modules: BTreeSet<&str> = all.iter().map(|s| s.module.as_str()).collect();
    for m in modules {
        let files: Vec<&Source> = all.iter().filter(|s| s.module == m && s.file != "mod").collect();
        let names: BTreeSet<&str> = files.iter().map(|s| s.file.as_str()).collect();
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for s in &files {
            let code = without_tests(&s.code);
            let mut used = names_after(code, "super::");
            used.extend(names_after(code, &format!("crate::{m}::")));
            let deps: BTreeSet<String> = used.into_iter().filter(|u| names.contains(u.as_str()) && *u != s.file).collect();
            graph.insert(s.file.clone(), deps);
        }
        if let Some(c) = find_cycle(&graph) {
            panic!("inside `{m}`, files import each other in a loop: {}", c.join(" -> "));
        }
    }
}

#[test]
fn the_checker_sees_imports() {
    // The parser itself: grouped imports, paths in expressions, comments and strings ignored.
    let code = code_of("use crate::{store::Store, model};\nlet x = crate::engine::f(); // crate::ui\nlet s = \"crate::cli\";\n");
    let names = names_after(&code, "crate::");
    assert_eq!(names, ["engine", "model", "store"].into_iter().map(String::from).collect());
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), ["b".to_string()].into());
    g.insert("b".to_string(), ["a".to_string()].into());
    assert!(find_cycle(&g).is_some());
    g.insert("b".to_string(), BTreeSet::new());
    assert!(find_cycle(&g).is_none());
}
