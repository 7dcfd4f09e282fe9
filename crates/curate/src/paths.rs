//! Paths typed into the app's own path field, for machines without a desktop file dialog (no xdg portal): what
//! the field is for, checking what was typed, and filesystem completion. No UI here.

use super::{Command, TrainCommand};
use std::path::{Path, PathBuf};

/// What a path is being asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPurpose {
    /// A catalogue feed to import.
    ImportFeed,
    /// Where to write approved looks in a webshop format (json, jsonld, bundle).
    ExportOutfits(String),
    /// A folder for the Polyvore-layout research export.
    ExportPolyvore,
    /// Where to write a "complete the look" publish (shopify, matrixify).
    Publish(String),
    /// Another stylist's database or JSONL label export to merge.
    ImportLabels,
}

impl PathPurpose {
    pub fn title(&self) -> String {
        match self {
            PathPurpose::ImportFeed => "Import a catalogue feed".into(),
            PathPurpose::ExportOutfits(f) => format!("Export approved looks as {}", super::jobs::format_label(f)),
            PathPurpose::ExportPolyvore => "Research export (Polyvore layout): folder".into(),
            PathPurpose::Publish(f) => format!("Publish complete the look as a {}", super::publish::format_label(f)),
            PathPurpose::ImportLabels => "Import another stylist's labels".into(),
        }
    }

    /// Whether the path must already exist (something is read from it).
    pub fn reads(&self) -> bool {
        matches!(self, PathPurpose::ImportFeed | PathPurpose::ImportLabels)
    }

    /// What the field starts with: the home folder, plus a file name for exports.
    pub fn initial(&self, home: &Path) -> String {
        let file = match self {
            PathPurpose::ExportOutfits(f) => format!(
                "approved-looks.{}",
                match f.as_str() {
                    "jsonld" => "jsonld",
                    "bundle" => "csv",
                    _ => "json",
                }
            ),
            PathPurpose::ExportPolyvore => "polyvore-export".into(),
            PathPurpose::Publish(f) => format!("complete-the-look-{f}.csv"),
            _ => String::new(),
        };
        let mut s = home.display().to_string();
        if !s.ends_with('/') {
            s.push('/');
        }
        s + &file
    }

    /// Checks a typed path and turns it into the command to run, or says what is wrong in plain words.
    pub fn command(&self, typed: &str) -> Result<Command, String> {
        let path = expand(typed.trim());
        if path.as_os_str().is_empty() {
            return Err("type a path".into());
        }
        if self.reads() {
            if path.is_dir() {
                return Err(format!("{} is a folder: choose a file inside it", path.display()));
            }
            if !path.is_file() {
                return Err(format!("{} does not exist", path.display()));
            }
        } else if matches!(self, PathPurpose::ExportOutfits(_) | PathPurpose::Publish(_)) && path.is_dir() {
            return Err(format!("{} is a folder: add a file name", path.display()));
        }
        Ok(match self {
            PathPurpose::ImportFeed => super::import_command(vec![path]),
            PathPurpose::ExportOutfits(format) => Command::ExportOutfits { format: format.clone(), path },
            PathPurpose::ExportPolyvore => Command::ExportPolyvore(path),
            PathPurpose::Publish(format) => Command::PlanPublish { format: format.clone(), path },
            PathPurpose::ImportLabels => Command::Train(TrainCommand::ImportLabels(path)),
        })
    }
}

/// `~` and `~/…` to the home folder.
pub fn expand(typed: &str) -> PathBuf {
    match (typed.strip_prefix('~'), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            PathBuf::from(format!("{}{rest}", Path::new(&home).display()))
        }
        _ => PathBuf::from(typed),
    }
}

/// Entries of the typed path's folder whose names start with what follows its last `/` (hidden ones only when
/// that starts with a dot), folders first and ending in `/`, at most `limit`. Each is the whole text the field
/// would hold after choosing it, in the form typed (a leading `~` stays).
pub fn completions(typed: &str, limit: usize) -> Vec<String> {
    let (dir_text, prefix) = match typed.rfind('/') {
        Some(k) => (&typed[..=k], &typed[k + 1..]),
        None => ("", typed),
    };
    let dir = if dir_text.is_empty() { PathBuf::from(".") } else { expand(dir_text) };
    let Ok(rd) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut hits: Vec<(bool, String)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            (name.starts_with(prefix) && (prefix.starts_with('.') || !name.starts_with('.'))).then(|| (!e.path().is_dir(), name))
        })
        .collect();
    hits.sort();
    hits.into_iter().take(limit).map(|(file, name)| format!("{dir_text}{name}{}", if file { "" } else { "/" })).collect()
}

/// The longest text every completion starts with (what Tab fills in), when it extends what was typed.
pub fn common_completion(typed: &str, options: &[String]) -> Option<String> {
    let first = options.first()?;
    let mut n = first.len();
    for o in &options[1..] {
        n = n.min(first.bytes().zip(o.bytes()).take_while(|(a, b)| a == b).count());
    }
    while !first.is_char_boundary(n) {
        n -= 1;
    }
    (n > typed.len()).then(|| first[..n].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("feeds")).unwrap();
        std::fs::write(d.path().join("feeds/hm-kids.csv"), "x").unwrap();
        std::fs::write(d.path().join("feeds/hm-baby.csv"), "x").unwrap();
        std::fs::write(d.path().join("feeds/.hidden"), "x").unwrap();
        std::fs::create_dir(d.path().join("feeds/hm-old")).unwrap();
        d
    }

    #[test]
    fn completion_lists_folders_first_and_fills_the_common_prefix() {
        let d = tree();
        let base = format!("{}/feeds/", d.path().display());
        let all = completions(&base, 10);
        assert_eq!(all, vec![format!("{base}hm-old/"), format!("{base}hm-baby.csv"), format!("{base}hm-kids.csv")], "no hidden files");
        let typed = format!("{base}h");
        let opts = completions(&typed, 10);
        assert_eq!(common_completion(&typed, &opts), Some(format!("{base}hm-")));
        let typed = format!("{base}hm-k");
        let opts = completions(&typed, 10);
        assert_eq!(opts, vec![format!("{base}hm-kids.csv")]);
        assert_eq!(common_completion(&typed, &opts), Some(format!("{base}hm-kids.csv")));
        assert_eq!(completions(&format!("{base}."), 10), vec![format!("{base}.hidden")]);
        assert!(completions(&format!("{}/nowhere/x", d.path().display()), 10).is_empty());
    }

    #[test]
    fn typed_paths_are_checked_before_anything_runs() {
        let d = tree();
        let feed = d.path().join("feeds/hm-kids.csv");
        assert_eq!(
            PathPurpose::ImportFeed.command(&format!(" {} ", feed.display())),
            Ok(Command::Catalogue(super::super::CatalogueCommand::Preview(feed.clone())))
        );
        let e = PathPurpose::ImportFeed.command(&d.path().join("feeds").display().to_string()).unwrap_err();
        assert!(e.contains("is a folder"), "{e}");
        let e = PathPurpose::ImportLabels.command(&d.path().join("nope.db").display().to_string()).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
        assert!(PathPurpose::ImportFeed.command("  ").is_err());
        let out = d.path().join("new/looks.json");
        assert_eq!(
            PathPurpose::ExportOutfits("json".into()).command(&out.display().to_string()),
            Ok(Command::ExportOutfits { format: "json".into(), path: out })
        );
        assert!(PathPurpose::ExportOutfits("json".into()).command(&d.path().display().to_string()).is_err());
        assert_eq!(PathPurpose::ExportOutfits("bundle".into()).initial(Path::new("/home/ana")), "/home/ana/approved-looks.csv");
    }
}
