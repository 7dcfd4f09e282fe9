//! Connecting to the team's server: the URL (which must not carry a password), the password from `PGPASSFILE` or
//! `~/.pgpass` (libpq's format and rules) or a prompt, and TLS through rustls with the system's roots (plus
//! `PGSSLROOTCERT` for a company CA). The password lives only in memory, in the connection's config.

use crate::{Result, TeamError};
use postgres::config::Host;
use postgres::{Client, Config};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A parsed team URL: `postgres://ana@db.shop.example/team?sslmode=require`, or a Unix socket
/// (`postgres://ana@%2Fvar%2Frun%2Fpostgresql/team`).
#[derive(Clone)]
pub struct TeamUrl {
    raw: String,
    config: Config,
}

impl std::fmt::Debug for TeamUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The raw URL never holds a password (`parse` refuses one), so it is safe to show.
        write!(f, "TeamUrl({})", self.raw)
    }
}

impl TeamUrl {
    /// Parses a URL; one with a password is refused, so a password can never reach the SQLite file or a log.
    pub fn parse(url: &str) -> Result<TeamUrl> {
        let config = Config::from_str(url).map_err(|e| TeamError::Url(format!("not a PostgreSQL URL: {}: {e}", redact(url))))?;
        if config.get_password().is_some() {
            return Err(TeamError::Url(
                "the team URL carries a password: remove it from the URL and put it in ~/.pgpass (or the file PGPASSFILE \
                 names); Outfit Studio never stores a password"
                    .into(),
            ));
        }
        if config.get_user().is_none_or(str::is_empty) {
            return Err(TeamError::Url(
                "the team URL names no user: postgres://STYLIST@host/database (each stylist logs in as their own role)".into(),
            ));
        }
        Ok(TeamUrl { raw: url.to_string(), config })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The role this URL logs in as: the stylist whose name the team's judgements carry.
    pub fn user(&self) -> &str {
        self.config.get_user().unwrap_or_default()
    }

    pub fn dbname(&self) -> &str {
        self.config.get_dbname().unwrap_or(self.user())
    }

    /// The host as `.pgpass` names it: a host name, or a Unix socket's directory.
    pub fn host(&self) -> String {
        match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            Some(Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        }
    }

    pub fn port(&self) -> u16 {
        self.config.get_ports().first().copied().unwrap_or(5432)
    }

    /// The same server and database as another role (the lead's `team init` prints the stylists' URLs).
    pub fn with_user(&self, user: &str) -> String {
        let host = self.host();
        let host = if host.starts_with('/') { host.replace('/', "%2F") } else { host };
        format!("postgres://{}@{host}:{}/{}", encode(user), self.port(), encode(self.dbname()))
    }

    /// Connects with this password (None: the server must not ask for one).
    pub fn connect(&self, password: Option<&str>, timeout: Duration) -> Result<Client> {
        let mut config = self.config.clone();
        if let Some(p) = password {
            config.password(p);
        }
        config.connect_timeout(timeout);
        config.application_name("outfit-studio");
        let client = config.connect(tls()?).map_err(|error| TeamError::Connect { url: self.raw.clone(), error })?;
        Ok(client)
    }

    /// Finds this URL's password in the password file (`PGPASSFILE`, else `~/.pgpass`, or `passfile` when given).
    pub fn password_from_file(&self, passfile: Option<&Path>) -> Result<Option<String>> {
        let Some(path) = passfile.map(Path::to_path_buf).or_else(default_passfile) else { return Ok(None) };
        let Ok(text) = std::fs::read_to_string(&path) else { return Ok(None) };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).map_err(TeamError::io(&path))?.permissions().mode();
            if mode & 0o077 != 0 {
                // libpq's rule: a password file others can read is ignored, with a warning.
                tracing::warn!("password file {} has group or world access; ignored (chmod 0600 it)", path.display());
                return Ok(None);
            }
        }
        Ok(pgpass_lookup(&text, &self.host(), self.port(), self.dbname(), self.user()))
    }

    /// The password from the password file, else from a prompt when `interactive` (a terminal is attached).
    pub fn password(&self, passfile: Option<&Path>, interactive: bool) -> Result<Option<String>> {
        if let Some(p) = self.password_from_file(passfile)? {
            return Ok(Some(p));
        }
        if interactive {
            let p =
                rpassword::prompt_password(format!("Password for {} on {}: ", self.user(), self.host())).map_err(TeamError::Password)?;
            return Ok(Some(p));
        }
        Ok(None)
    }
}

fn default_passfile() -> Option<PathBuf> {
    std::env::var_os("PGPASSFILE").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")))
}

/// A URL with any password replaced, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &userinfo[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// libpq's password file: `host:port:database:user:password` lines, `*` matching anything, `\:` and `\\` escaped;
/// the first matching line wins.
pub fn pgpass_lookup(text: &str, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::with_capacity(5);
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() != 5 {
            continue;
        }
        let hit = |f: &str, v: &str| f == "*" || f == v;
        let host_hit = hit(&fields[0], host) || (host.starts_with('/') && fields[0] == "localhost");
        if host_hit && hit(&fields[1], &port) && hit(&fields[2], db) && hit(&fields[3], user) {
            return Some(fields.pop().unwrap_or_default());
        }
    }
    None
}

/// One `.pgpass` line for these credentials (the lead's `team init` writes them for each new stylist).
pub fn pgpass_line(host: &str, port: u16, db: &str, user: &str, password: &str) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace(':', "\\:");
    format!("{}:{port}:{}:{}:{}", esc(host), esc(db), esc(user), esc(password))
}

/// rustls with ring and the system's trust store, plus the certificates in `PGSSLROOTCERT` (a company CA). Ring
/// rather than aws-lc-rs: no C toolchain or cmake in the build (rustls marks ring's provider deprecated for lacking
/// post-quantum key exchange, which PostgreSQL servers do not offer today).
#[allow(deprecated)]
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = std::env::var_os("PGSSLROOTCERT") {
        let bad = |e: &dyn std::fmt::Display| TeamError::Tls(format!("PGSSLROOTCERT {}: {e}", Path::new(&path).display()));
        for cert in CertificateDer::pem_file_iter(&path).map_err(|e| bad(&e))? {
            roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TeamError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_with_a_password_is_refused_and_not_echoed() {
        let err = TeamUrl::parse("postgres://ana:s3cret@db/team").unwrap_err().to_string();
        assert!(err.contains("pgpass") && !err.contains("s3cret"), "{err}");
        assert!(TeamUrl::parse("postgres://db/team").is_err(), "a URL without a user is refused");
        let u = TeamUrl::parse("postgres://ana@%2Ftmp%2Fpg:5433/team").unwrap();
        assert_eq!((u.host().as_str(), u.port(), u.dbname(), u.user()), ("/tmp/pg", 5433, "team", "ana"));
        assert_eq!(u.with_user("bo b"), "postgres://bo%20b@%2Ftmp%2Fpg:5433/team");
    }

    #[test]
    fn pgpass_lines_round_trip_with_escapes_and_wildcards() {
        let line = pgpass_line("/tmp/pg", 5433, "team", "ana", r"p:a\ss");
        let text = format!("# comment\ndb:*:*:bob:nope\n{line}\n*:*:*:*:fallback\n");
        assert_eq!(pgpass_lookup(&text, "/tmp/pg", 5433, "team", "ana").as_deref(), Some(r"p:a\ss"));
        assert_eq!(pgpass_lookup(&text, "db", 5432, "x", "bob").as_deref(), Some("nope"));
        assert_eq!(pgpass_lookup(&text, "other", 1, "x", "cy").as_deref(), Some("fallback"));
        assert_eq!(pgpass_lookup("db:5432:team:ana:pw", "db", 5433, "team", "ana"), None);
        assert_eq!(redact("postgres://ana:pw@h/db"), "postgres://ana:***@h/db");
    }
}
