//! The layering of ARCHITECTURE.md. The compiler keeps most of it: each layer is a crate under `crates/`, a crate can
//! only name the crates its Cargo.toml lists, and Cargo refuses a cycle. This test checks what the compiler cannot
//! see: that every manifest lists only crates of lower layers (an upward edge without a cycle would compile), that
//! the UI (this crate, which has every layer in reach) uses no store, encoder, SQL, GPU or CLI handle, and that
//! files inside one crate do not import each other in a loop. Imports are read by `syn` as real `use` trees and
//! paths, so grouped and nested imports count and comments and strings do not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// The layers, lowest first, by crate directory under `crates/`; the app (`src/`, the UI and the binary) is above
/// them all. A crate may depend on crates of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["paths", "machine"],
    &["catalogue", "demo"],
    &["store"],
    // Team sync needs only the store; the engine and the app above it start and read it.
    &["encode", "team"],
    &["model"],
    &["score"],
    &["engine"],
    &["labels"],
    &["export"],
    &["looks"],
    &["curate"],
    // A leaf: `main` dispatches to it and to the UI; neither imports the other.
    &["cli"],
];

fn layer_of(krate: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&krate))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The workspace crates a manifest's `[dependencies]` names (`outfit-store` -> `store`); dev-dependencies are
/// left out, since a test may use a higher layer to set up its case.
fn layer_deps(manifest: &str) -> BTreeSet<String> {
    let mut section = "";
    let mut out = BTreeSet::new();
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            section = t;
        } else if section == "[dependencies]"
            && let Some(rest) = t.strip_prefix("outfit-")
        {
            out.insert(rest.split(['.', ' ', '=']).next().unwrap().to_string());
        }
    }
    out
}

/// Every path a file names, as `::`-joined segments: each leaf of every `use` tree (`use a::{b, c::d}` gives `a::b`
/// and `a::c::d`) and every path in code. `skip_tests` leaves out items under `#[cfg(test)]`.
fn paths_in(file: &syn::File, skip_tests: bool) -> BTreeSet<String> {
    struct Paths {
        out: BTreeSet<String>,
        skip_tests: bool,
    }
    fn tree(prefix: &str, t: &syn::UseTree, out: &mut BTreeSet<String>) {
        let join = |s: &str| if prefix.is_empty() { s.to_string() } else { format!("{prefix}::{s}") };
        match t {
            syn::UseTree::Path(p) => tree(&join(&p.ident.to_string()), &p.tree, out),
            syn::UseTree::Name(n) => {
                out.insert(join(&n.ident.to_string()));
            }
            syn::UseTree::Rename(r) => {
                out.insert(join(&r.ident.to_string()));
            }
            syn::UseTree::Glob(_) => {
                out.insert(join("*"));
            }
            syn::UseTree::Group(g) => g.items.iter().for_each(|i| tree(prefix, i, out)),
        }
    }
    fn is_test(attrs: &[syn::Attribute]) -> bool {
        attrs.iter().any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| m.path().is_ident("test")))
    }
    impl<'a> Visit<'a> for Paths {
        fn visit_item(&mut self, i: &'a syn::Item) {
            let attrs = match i {
                syn::Item::Mod(m) => &m.attrs,
                syn::Item::Fn(f) => &f.attrs,
                syn::Item::Use(u) => &u.attrs,
                syn::Item::Impl(m) => &m.attrs,
                _ => return syn::visit::visit_item(self, i),
            };
            if !(self.skip_tests && is_test(attrs)) {
                syn::visit::visit_item(self, i);
            }
        }
        fn visit_item_use(&mut self, u: &'a syn::ItemUse) {
            tree("", &u.tree, &mut self.out);
        }
        fn visit_path(&mut self, p: &'a syn::Path) {
            let s: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
            self.out.insert(s.join("::"));
            syn::visit::visit_path(self, p);
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            // Method names count as paths of their own: `.engine_for_tests()` is as much a reach as a path is.
            self.out.insert(format!(".{}", m.method));
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut v = Paths { out: BTreeSet::new(), skip_tests };
    v.visit_file(file);
    v.out
}

fn parse(p: &Path) -> syn::File {
    syn::parse_file(&std::fs::read_to_string(p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn every_crate_is_in_the_layer_table_and_depends_only_down() {
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for e in std::fs::read_dir(root().join("crates")).unwrap() {
        let dir = e.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let Some(own) = layer_of(&name) else {
            wrong.push(format!("crates/{name} is not in ARCHITECTURE.md's table (nor in this test's)"));
            continue;
        };
        seen.insert(name.clone());
        for dep in layer_deps(&std::fs::read_to_string(dir.join("Cargo.toml")).unwrap()) {
            match layer_of(&dep) {
                Some(theirs) if theirs < own => {}
                _ => wrong.push(format!("crates/{name} depends on outfit-{dep}: a crate may only use lower layers")),
            }
        }
    }
    let listed: BTreeSet<String> = LAYERS.iter().flat_map(|l| l.iter().map(|s| s.to_string())).collect();
    assert_eq!(seen, listed, "the table names crates that crates/ lacks");
    assert!(wrong.is_empty(), "dependencies against ARCHITECTURE.md:\n  {}", wrong.join("\n  "));
    // The CLI is a leaf: nothing but the binary's crate depends on it.
    let app = layer_deps(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap());
    assert!(app.contains("cli") && app.contains("curate"), "the app crate joins the CLI and the app state");
}

/// The UI reads `curate::Studio`'s views and sends `curate::Command`s. It may name lower layers' value types
/// (`Slot`, `Verdict`), but never a handle that does work: the store, the engine, the encoders, SQL, GPU compute,
/// the CLI, or the engine behind the app state.
#[test]
fn the_ui_reaches_no_store_engine_encoder_sql_gpu_or_cli() {
    const FORBIDDEN: &[&str] =
        &["Store", "Engine", "Scorer", "Connection", "rusqlite", "ort", "wgpu", "outfit_encode", "outfit_cli", "cli"];
    let mut wrong = Vec::new();
    for f in rust_files(&root().join("src/ui")) {
        for p in paths_in(&parse(&f), false) {
            if p == ".engine_for_tests" || p.split("::").any(|s| FORBIDDEN.contains(&s)) {
                wrong.push(format!("{}: {p}", f.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(wrong.is_empty(), "the UI reaches around the app state:\n  {}", wrong.join("\n  "));
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

/// The files directly under a source directory that the given file's non-test code names, through `crate::x`,
/// `super::x` (from a file one level down) or `self::x` (from the crate root).
fn sibling_uses(paths: &BTreeSet<String>, siblings: &BTreeSet<String>) -> BTreeSet<String> {
    paths
        .iter()
        .filter_map(|p| {
            let mut s = p.split("::");
            match s.next()? {
                "crate" | "super" => s.next().map(str::to_string),
                _ => None,
            }
        })
        .filter(|n| siblings.contains(n))
        .collect()
}

#[test]
fn files_inside_a_crate_do_not_import_each_other_in_a_loop() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("crates")).unwrap().map(|e| e.unwrap().path().join("src")).collect();
    dirs.push(root().join("src/ui"));
    for dir in dirs {
        let files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .filter(|p| !matches!(p.file_stem().unwrap().to_str(), Some("lib" | "mod")))
            .collect();
        let names: BTreeSet<String> = files.iter().map(|p| p.file_stem().unwrap().to_string_lossy().to_string()).collect();
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &files {
            let own = f.file_stem().unwrap().to_string_lossy().to_string();
            let mut deps = sibling_uses(&paths_in(&parse(f), true), &names);
            deps.remove(&own);
            graph.insert(own, deps);
        }
        if let Some(c) = find_cycle(&graph) {
            panic!("inside {}, files import each other in a loop: {}", dir.display(), c.join(" -> "));
        }
    }
}

#[test]
fn the_checker_sees_imports() {
    // Grouped and nested imports, paths in expressions and method calls count; comments, strings and (when asked)
    // test modules do not.
    let code = syn::parse_file(
        "use crate::{store::Store, model::{head::Head, train}};\n\
         fn f() { let x = super::engine::g(); y.engine_for_tests(); // crate::ui\n let s = \"crate::cli\"; }\n\
         #[cfg(test)] mod tests { use crate::looks::Look; }\n",
    )
    .unwrap();
    let all = paths_in(&code, false);
    for p in ["crate::store::Store", "crate::model::head::Head", "crate::model::train", "super::engine::g", ".engine_for_tests"] {
        assert!(all.contains(p), "{p} missing from {all:?}");
    }
    assert!(all.contains("crate::looks::Look"));
    assert!(!all.iter().any(|p| p.contains("ui") || p.contains("cli")), "{all:?}");
    let code_only = paths_in(&code, true);
    assert!(!code_only.contains("crate::looks::Look"));
    let siblings: BTreeSet<String> = ["store", "model", "engine", "looks"].into_iter().map(String::from).collect();
    assert_eq!(sibling_uses(&code_only, &siblings), ["engine", "model", "store"].into_iter().map(String::from).collect());
    assert_eq!(
        layer_deps("[dependencies]\nouftit = 1\noutfit-store.workspace = true\n[dev-dependencies]\noutfit-looks = { path = \"x\" }\n"),
        ["store".to_string()].into()
    );
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), ["b".to_string()].into());
    g.insert("b".to_string(), ["a".to_string()].into());
    assert!(find_cycle(&g).is_some());
    g.insert("b".to_string(), BTreeSet::new());
    assert!(find_cycle(&g).is_none());
}
