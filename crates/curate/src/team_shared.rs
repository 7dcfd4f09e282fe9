//! The team's head versions and catalogues for the Team screen (issue 21): read from the team store, and a head
//! installed and activated, by background jobs on their own engine and connection (see `jobs`).

use crate::problem::{Result, refuse};
use outfit_engine::Engine;
use outfit_team::share::{TeamCatalogue, TeamHead};

/// What the Team screen shows of the team's heads and catalogues, as last read from the team store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamShared {
    /// Head versions, oldest first, each with its local version id when installed here.
    pub heads: Vec<(TeamHead, Option<i64>)>,
    /// The active head's global id here.
    pub active: Option<String>,
    /// Catalogues, each with whether it is imported here.
    pub catalogues: Vec<(TeamCatalogue, bool)>,
}

/// The background job's half: reads the team's heads and catalogues (the job's own engine and connection).
pub(super) fn read_shared(e: &Engine) -> Result<TeamShared> {
    let (_, mut client) = outfit_team::membership::connect_joined(e.store())?;
    let mut heads = Vec::new();
    for h in outfit_team::share::heads(&mut client)? {
        let here = e.store().model_by_uuid(&h.id)?;
        heads.push((h, here));
    }
    let active = e.active_model().map(|m| e.store().model_uuid(m.id)).transpose()?.flatten();
    let mut catalogues = Vec::new();
    for c in outfit_team::share::catalogues(&mut client)? {
        let here = e.store().catalogue_by_name(&c.name)?.is_some();
        catalogues.push((c, here));
    }
    Ok(TeamShared { heads, active, catalogues })
}

/// The background job's half: installs a team head here (once) and activates it, re-embedding the catalogue.
pub(super) fn activate_team_head(e: &mut Engine, id: &str) -> Result<String> {
    let (_, mut client) = outfit_team::membership::connect_joined(e.store())?;
    let Some((head, by)) = outfit_team::share::fetch_head(&mut client, id)? else {
        refuse!("the team store has no head version {id}");
    };
    let local = e.store_mut().install_team_head(&head, &by)?;
    e.activate_model(local)?;
    Ok(format!("Active model is now {} by {by} (version {local}, from the team)", head.name))
}
