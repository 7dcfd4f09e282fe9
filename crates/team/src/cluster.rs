//! A throwaway PostgreSQL cluster for the tests and `team bench`: `initdb` in a temporary directory, listening only
//! on a Unix socket in that directory, removed on drop. Debian keeps the server's programs off the PATH
//! (`/usr/lib/postgresql/<version>/bin`) and `initdb` refuses to run as root, so as root the cluster runs as the
//! `postgres` system user (or `nobody`), which owns the directory.

use crate::conn::pgpass_line;
use crate::{Result, TeamError};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub const ADMIN: &str = "team_admin";
pub const DATABASE: &str = "team";
const PORT: u16 = 5432;

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// The user the server runs as when we are root.
    run_as: Option<String>,
    admin_password: String,
}

/// The directory holding `initdb` and `pg_ctl`: the PATH, else Debian's newest `/usr/lib/postgresql/<v>/bin`.
pub fn find_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PATH").and_then(|path| std::env::split_paths(&path).find(|d| d.join("initdb").is_file())) {
        return Some(p);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, b): &(u32, PathBuf)| b.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0")))
        .unwrap_or(false)
}

/// (uid, gid) of a system user, from /etc/passwd.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    std::fs::read_to_string("/etc/passwd").ok()?.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 3 && f[0] == name).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

impl Cluster {
    /// Creates and starts a cluster with an admin role and an empty database `team`. `durable: false` turns fsync
    /// off (tests); the benchmark keeps it on.
    pub fn start(durable: bool) -> Result<Cluster> {
        let bin = find_bin()
            .ok_or_else(|| TeamError::Cluster("no PostgreSQL server programs (initdb) found: install Debian's postgresql".into()))?;
        let run_as = if is_root() { ["postgres", "nobody"].into_iter().find(|u| user_ids(u).is_some()).map(String::from) } else { None };
        if is_root() && run_as.is_none() {
            return Err(TeamError::Cluster("running as root and no postgres or nobody user to run the server as".into()));
        }
        let dir = tempfile::Builder::new().prefix("outfit-team-pg").tempdir().map_err(TeamError::io(std::env::temp_dir()))?;
        let admin_password: String = rand::Rng::sample_iter(rand::rng(), rand::distr::Alphanumeric).take(20).map(char::from).collect();
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, &admin_password).map_err(TeamError::io(&pwfile))?;
        if let Some(u) = &run_as {
            let (uid, gid) = user_ids(u).expect("checked above");
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).map_err(TeamError::io(dir.path()))?;
            std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).map_err(TeamError::io(&pwfile))?;
        }
        let c = Cluster { dir, bin, run_as, admin_password };
        let data = c.data();
        let pw = format!("--pwfile={}", pwfile.display());
        c.run("initdb", &["-D", &data, "-U", ADMIN, &pw, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C"])?;
        let _ = std::fs::remove_file(&pwfile);
        let fsync = if durable { "on" } else { "off" };
        let conf = format!(
            "listen_addresses = ''\nunix_socket_directories = '{}'\nport = {PORT}\nfsync = {fsync}\nmax_connections = 60\n",
            c.socket_dir().display()
        );
        let auto = Path::new(&data).join("postgresql.auto.conf");
        let mut text = std::fs::read_to_string(&auto).unwrap_or_default();
        text.push_str(&conf);
        std::fs::write(&auto, text).map_err(TeamError::io(&auto))?;
        c.start_again()?;
        let mut admin = c.admin()?;
        admin.batch_execute(&format!("CREATE DATABASE {DATABASE}"))?;
        Ok(c)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<()> {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let out = cmd.args(args).current_dir(self.dir.path()).stdin(Stdio::null()).output().map_err(TeamError::io(&exe))?;
        if !out.status.success() {
            let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            return Err(TeamError::Cluster(format!("{program} failed: {stdout}{stderr}")));
        }
        Ok(())
    }

    /// Starts the (stopped) server and waits until it accepts connections.
    pub fn start_again(&self) -> Result<()> {
        let log = self.dir.path().join("server.log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-l", &log, "-w", "-t", "30", "start"])
    }

    /// Stops the server (fast shutdown: sessions are cut, as when a server goes away).
    pub fn stop(&self) -> Result<()> {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"])
    }

    /// The team URL of a role on this cluster.
    pub fn url(&self, user: &str) -> String {
        format!("postgres://{user}@{}:{PORT}/{DATABASE}", self.socket_dir().display().to_string().replace('/', "%2F"))
    }

    /// A `.pgpass` line for a role (written to a 0600 file by the caller).
    pub fn pgpass(&self, user: &str, password: &str) -> String {
        pgpass_line(&self.socket_dir().display().to_string(), PORT, DATABASE, user, password)
    }

    /// A superuser connection to the team database (`postgres` before it exists).
    pub fn admin(&self) -> Result<postgres::Client> {
        let url = crate::conn::TeamUrl::parse(&self.url(ADMIN))?;
        let db_exists = url.connect(Some(&self.admin_password), Duration::from_secs(10));
        match db_exists {
            Ok(c) => Ok(c),
            Err(_) => {
                let url = crate::conn::TeamUrl::parse(&format!(
                    "postgres://{ADMIN}@{}:{PORT}/postgres",
                    self.socket_dir().display().to_string().replace('/', "%2F")
                ))?;
                url.connect(Some(&self.admin_password), Duration::from_secs(10))
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]);
    }
}

/// Writes password-file lines to `path` with mode 0600 (libpq ignores a file others can read).
pub fn write_pgpass(path: &Path, lines: &[String]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(path).map_err(TeamError::io(path))?;
    for l in lines {
        writeln!(f, "{l}").map_err(TeamError::io(path))?;
    }
    Ok(())
}
