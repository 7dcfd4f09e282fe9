//! Joining a team store, shared by `outfit-studio team connect` and the app's Team screen: the role must be a
//! stylist of the store, the URL is recorded without any password (that stays in ~/.pgpass or PGPASSFILE), and a
//! first sync runs at once so the stylist sees the team's judgements straight away.

use super::{Result, TeamError, TeamUrl, server, sync_once};
use outfit_store::Store;
use std::time::Duration;

/// What joining did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    /// The PostgreSQL role, which is the stylist name judgements are shared under.
    pub role: String,
    /// The URL as recorded (no password).
    pub url: String,
    /// Earlier judgements queued for upload (with `upload_history`).
    pub history: usize,
    pub pushed: usize,
    pub pulled: usize,
}

/// This store's team membership and a connection to its team store, for work with no terminal to prompt on (the
/// app's background jobs): the password comes from the password file only.
pub fn connect_joined(store: &Store) -> Result<(outfit_store::TeamConfig, postgres::Client)> {
    let config = store.team_config()?.ok_or_else(|| TeamError::NotJoined { db: store.path().to_path_buf() })?;
    let client = connect(&TeamUrl::parse(&config.url)?, false)?;
    Ok((config, client))
}

/// Connects with the password file's password, else a terminal prompt when `interactive`.
pub fn connect(url: &TeamUrl, interactive: bool) -> Result<postgres::Client> {
    let password = url.password(None, interactive)?;
    url.connect(password.as_deref(), Duration::from_secs(10))
}

/// Joins `store` to the team store at `url`, optionally queueing the judgements made here before joining.
pub fn join(store: &mut Store, url: &str, interactive: bool, upload_history: bool) -> Result<Joined> {
    let url = TeamUrl::parse(url)?;
    let mut client = connect(&url, interactive)?;
    let (role, member) = server::whoami(&mut client)?;
    if !member {
        return Err(TeamError::Invalid(format!(
            "role {role} is not a stylist of this team store (the lead adds it with `team init … --stylist {role}`)"
        )));
    }
    store.join_team(url.as_str(), &role)?;
    let history = if upload_history { store.enqueue_team_history()? } else { 0 };
    let (pushed, pulled) = sync_once(store, &mut client)?;
    Ok(Joined { role, url: url.as_str().to_string(), history, pushed, pulled })
}
