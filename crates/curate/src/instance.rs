//! One app per database: an advisory lock file beside the database, holding the pid of the app that has it
//! open. A second app on the same database still opens (the first may be hung) but says so, instead of silently
//! showing data the other one is changing. The lock is std's `File::try_lock` (an `flock` on Unix), so a crashed
//! app never leaves a stale lock.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held for as long as the app runs; dropping it releases the lock.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    pub path: PathBuf,
}

/// What opening found.
#[derive(Debug)]
pub enum Instance {
    /// This app holds the lock.
    Only(InstanceLock),
    /// Another process holds it (its pid when the file says).
    Another { pid: Option<u32>, path: PathBuf },
}

impl Instance {
    /// The warning to show, when another app has the database open.
    pub fn warning(&self, db: &Path) -> Option<String> {
        match self {
            Instance::Only(_) => None,
            Instance::Another { pid, .. } => Some(format!(
                "Another Outfit Studio{} already has {} open: what it changes does not show here until you restart, \
                 and two apps judging at once can confuse undo. Close one of them.",
                pid.map(|p| format!(" (process {p})")).unwrap_or_default(),
                db.display()
            )),
        }
    }
}

/// The lock file for a database: `studio.db` -> `studio.db.lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    db.with_file_name(name)
}

/// Takes the database's lock, or reports who has it. An unwritable folder counts as "only": the lock is advice.
pub fn acquire(db: &Path) -> std::io::Result<Instance> {
    let path = lock_path(db);
    let mut file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut s = String::new();
            let _ = file.read_to_string(&mut s);
            return Ok(Instance::Another { pid: s.trim().parse().ok(), path });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(e),
    }
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())?;
    file.flush()?;
    Ok(Instance::Only(InstanceLock { _file: file, path }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_is_told_who_has_the_database_and_the_lock_frees_on_drop() {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("studio.db");
        let first = acquire(&db).unwrap();
        assert!(matches!(first, Instance::Only(_)));
        assert!(first.warning(&db).is_none());
        assert_eq!(std::fs::read_to_string(lock_path(&db)).unwrap().trim(), std::process::id().to_string());
        // flock locks belong to the open file description, so a second open in this process conflicts too.
        let second = acquire(&db).unwrap();
        match &second {
            Instance::Another { pid, .. } => assert_eq!(*pid, Some(std::process::id())),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let w = second.warning(&db).unwrap();
        assert!(w.contains("Another Outfit Studio") && w.contains("studio.db"), "{w}");
        drop(second);
        drop(first);
        assert!(matches!(acquire(&db).unwrap(), Instance::Only(_)), "the lock is free once the first app closes");
    }
}
