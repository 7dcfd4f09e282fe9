//! Every `outfit-studio …` command that an app or engine message tells the stylist to run is a real command line:
//! each is pulled out of the message strings in the UI, curate and engine sources and parsed with the real CLI.

use clap::Parser;
use outfit_studio::cli::Cli;
use std::path::Path;

/// `outfit-studio …` inside backticks in the source text, with placeholders (FEED, FILE, ID…) replaced by values.
fn mentioned_commands(src: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(k) = rest.find("`outfit-studio ") {
        let after = &rest[k + 1..];
        let Some(end) = after.find('`') else { break };
        let words: Vec<String> = after[..end]
            .split_whitespace()
            .map(|w| match w {
                "ID" | "N" => "1".to_string(),
                w if w.chars().all(|c| c.is_ascii_uppercase() || c == '_') => "some-path".to_string(),
                w => w.to_string(),
            })
            .collect();
        out.push(words);
        rest = &after[end + 1..];
    }
    out
}

#[test]
fn every_command_a_message_names_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["crates/engine/src", "src/ui", "crates/curate/src"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        // Only string literals count (doc comments may mention commands in passing).
        let literals: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for cmd in mentioned_commands(&literals) {
            if let Err(e) = Cli::try_parse_from(&cmd) {
                panic!("{} names `{}`, which the CLI rejects:\n{e}", f.display(), cmd.join(" "));
            }
            checked += 1;
        }
    }
    assert!(checked >= 3, "expected the engine's messages to name some commands, found {checked}");
}

#[test]
fn the_extractor_finds_a_wrong_command() {
    let cmds = mentioned_commands(r#"bail!("merge from a terminal with `outfit-studio labels import FILE`")"#);
    assert_eq!(cmds, vec![vec!["outfit-studio", "labels", "import", "some-path"]]);
    assert!(Cli::try_parse_from(&cmds[0]).is_err(), "`labels import` is not a command");
    let ok = mentioned_commands("`outfit-studio merge-labels FILE` and `outfit-studio models activate ID`");
    assert!(ok.iter().all(|c| Cli::try_parse_from(c).is_ok()), "{ok:?}");
}
