//! Embeds the demo catalogue (assets/demo/catalogue.csv and its images) in the binary: writes the list of files as
//! `include_bytes!` entries, with a stamp of their content, to $OUT_DIR/demo_files.rs (see crates/demo/src/lib.rs).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // The demo lives at the workspace root (assets/demo), two levels above this crate.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    println!("cargo:rerun-if-changed=../../assets/demo");
    let mut files: Vec<(String, PathBuf)> = vec![("catalogue.csv".into(), root.join("catalogue.csv"))];
    let mut images: Vec<PathBuf> = std::fs::read_dir(root.join("images"))
        .expect("assets/demo/images")
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    images.sort();
    for p in images {
        let name = p.file_name().and_then(|n| n.to_str()).expect("a UTF-8 image name").to_string();
        files.push((format!("images/{name}"), p));
    }
    // FNV-1a over names and contents: a changed demo is written out again.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out =
        String::from("/// (path under the demo directory, contents) of every demo file.\npub const DEMO_FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        for b in name.bytes().chain(std::fs::read(path).expect("a readable demo file")) {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
        writeln!(out, "    ({name:?}, include_bytes!({:?})),", path.display().to_string()).unwrap();
    }
    writeln!(out, "];\n/// Content stamp of [`DEMO_FILES`].\npub const DEMO_STAMP: &str = \"{h:016x}\";").unwrap();
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("demo_files.rs");
    std::fs::write(dest, out).expect("write demo_files.rs");
}
