//! What the team shares besides judgements (issue 21, "What is shared" item 2): approved looks, their renames and
//! their archiving (an undone accept), head versions, and which catalogues exist. Three append-only tables in schema `outfit_team`, written exactly as
//! the judgement log is: stylists get SELECT only (row-level security denies writes besides), and write through
//! `SECURITY DEFINER` functions that record the event under the connected role (`session_user`), refuse any other
//! name, and treat a retried id as a no-op. Looks carry a log sequence number (the apps pull them after a cursor,
//! woken by the same `NOTIFY`); heads and catalogues are listed on demand (a head's weights travel only when a
//! stylist activates it; each app imports a catalogue's feed itself). A shared look belongs to the team: anyone
//! may approve it again (after an edit) or rename it, always under their own name.

use crate::Result;
use outfit_store::{RemoteLook, ShareEvent, ShareKind, SharedHead, Store};
use postgres::{Client, GenericClient};

/// Created by `team init` after the log and the routing (see `server::init`); idempotent, so running `team init`
/// again on an older team store adds these tables and functions.
pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS outfit_team.looks (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('approve', 'rename', 'archive')),
    look uuid NOT NULL,
    stylist text NOT NULL,
    at text NOT NULL,
    name text NOT NULL,
    skus jsonb,
    received_at timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'approve' OR jsonb_typeof(skus) = 'array')
);
CREATE INDEX IF NOT EXISTS looks_look ON outfit_team.looks (look);
CREATE TABLE IF NOT EXISTS outfit_team.heads (
    id uuid PRIMARY KEY,
    stylist text NOT NULL,
    at text NOT NULL,
    name text NOT NULL,
    parent uuid,
    parent_name text,
    parent_sha256 text,
    encoder_key text NOT NULL,
    sha256 text NOT NULL,
    weights bytea NOT NULL,
    trained_on text NOT NULL,
    params jsonb NOT NULL,
    metrics jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS outfit_team.catalogues (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    stylist text NOT NULL,
    at text NOT NULL,
    name text NOT NULL,
    source text NOT NULL,
    skus jsonb NOT NULL CHECK (jsonb_typeof(skus) = 'array'),
    received_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON outfit_team.looks, outfit_team.heads, outfit_team.catalogues FROM PUBLIC;
GRANT SELECT ON outfit_team.looks, outfit_team.heads, outfit_team.catalogues TO outfit_stylists;
ALTER TABLE outfit_team.looks ENABLE ROW LEVEL SECURITY;
ALTER TABLE outfit_team.looks FORCE ROW LEVEL SECURITY;
ALTER TABLE outfit_team.heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE outfit_team.heads FORCE ROW LEVEL SECURITY;
ALTER TABLE outfit_team.catalogues ENABLE ROW LEVEL SECURITY;
ALTER TABLE outfit_team.catalogues FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS everyone_reads ON outfit_team.looks;
CREATE POLICY everyone_reads ON outfit_team.looks FOR SELECT USING (true);
DROP POLICY IF EXISTS owner_appends ON outfit_team.looks;
CREATE POLICY owner_appends ON outfit_team.looks FOR INSERT TO CURRENT_USER WITH CHECK (true);
DROP POLICY IF EXISTS everyone_reads ON outfit_team.heads;
CREATE POLICY everyone_reads ON outfit_team.heads FOR SELECT USING (true);
DROP POLICY IF EXISTS owner_appends ON outfit_team.heads;
CREATE POLICY owner_appends ON outfit_team.heads FOR INSERT TO CURRENT_USER WITH CHECK (true);
DROP POLICY IF EXISTS everyone_reads ON outfit_team.catalogues;
CREATE POLICY everyone_reads ON outfit_team.catalogues FOR SELECT USING (true);
DROP POLICY IF EXISTS owner_appends ON outfit_team.catalogues;
CREATE POLICY owner_appends ON outfit_team.catalogues FOR INSERT TO CURRENT_USER WITH CHECK (true);

CREATE OR REPLACE FUNCTION outfit_team.push_look(
    p_id uuid, p_kind text, p_look uuid, p_stylist text, p_at text, p_name text, p_skus jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE s bigint; who text;
BEGIN
    IF p_stylist IS DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'stylist % cannot share a look under the name %', session_user, p_stylist USING ERRCODE = '42501';
    END IF;
    PERFORM pg_advisory_xact_lock(2021);
    SELECT l.seq, l.stylist INTO s, who FROM outfit_team.looks l WHERE l.id = p_id;
    IF FOUND THEN
        IF who <> session_user::text THEN
            RAISE EXCEPTION 'look event % belongs to %', p_id, who USING ERRCODE = '42501';
        END IF;
        RETURN s;
    END IF;
    IF p_kind <> 'approve' AND NOT EXISTS (SELECT 1 FROM outfit_team.looks l WHERE l.look = p_look AND l.kind = 'approve') THEN
        RAISE EXCEPTION 'no look % on the team store to %', p_look, p_kind USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO outfit_team.looks (id, kind, look, stylist, at, name, skus)
    VALUES (p_id, p_kind, p_look, session_user, p_at, p_name, CASE WHEN p_kind = 'approve' THEN p_skus END)
    RETURNING seq INTO s;
    PERFORM pg_notify('outfit_team', 'look ' || s::text);
    RETURN s;
END $f$;

CREATE OR REPLACE FUNCTION outfit_team.push_head(
    p_id uuid, p_stylist text, p_at text, p_name text, p_parent uuid, p_parent_name text, p_parent_sha256 text,
    p_encoder_key text, p_sha256 text, p_weights bytea, p_trained_on text, p_params jsonb, p_metrics jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE who text;
BEGIN
    IF p_stylist IS DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'stylist % cannot publish a head under the name %', session_user, p_stylist USING ERRCODE = '42501';
    END IF;
    SELECT h.stylist INTO who FROM outfit_team.heads h WHERE h.id = p_id;
    IF FOUND THEN
        IF who <> session_user::text THEN
            RAISE EXCEPTION 'head % belongs to %', p_id, who USING ERRCODE = '42501';
        END IF;
        RETURN;
    END IF;
    INSERT INTO outfit_team.heads (id, stylist, at, name, parent, parent_name, parent_sha256, encoder_key, sha256, weights, trained_on, params, metrics)
    VALUES (p_id, session_user, p_at, p_name, p_parent, p_parent_name, p_parent_sha256, p_encoder_key, p_sha256, p_weights, p_trained_on, p_params, p_metrics)
    ON CONFLICT (id) DO NOTHING;
    PERFORM pg_notify('outfit_team', 'head');
END $f$;

CREATE OR REPLACE FUNCTION outfit_team.push_catalogue(
    p_id uuid, p_stylist text, p_at text, p_name text, p_source text, p_skus jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE s bigint; who text;
BEGIN
    IF p_stylist IS DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'stylist % cannot announce a catalogue under the name %', session_user, p_stylist USING ERRCODE = '42501';
    END IF;
    SELECT c.seq, c.stylist INTO s, who FROM outfit_team.catalogues c WHERE c.id = p_id;
    IF FOUND THEN
        IF who <> session_user::text THEN
            RAISE EXCEPTION 'catalogue event % belongs to %', p_id, who USING ERRCODE = '42501';
        END IF;
        RETURN s;
    END IF;
    INSERT INTO outfit_team.catalogues (id, stylist, at, name, source, skus) VALUES (p_id, session_user, p_at, p_name, p_source, p_skus)
    ON CONFLICT (id) DO NOTHING RETURNING seq INTO s;
    RETURN s;
END $f$;

REVOKE ALL ON FUNCTION outfit_team.push_look(uuid, text, uuid, text, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION outfit_team.push_head(uuid, text, text, text, uuid, text, text, text, text, bytea, text, jsonb, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION outfit_team.push_catalogue(uuid, text, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outfit_team.push_look(uuid, text, uuid, text, text, text, jsonb) TO outfit_stylists;
GRANT EXECUTE ON FUNCTION outfit_team.push_head(uuid, text, text, text, uuid, text, text, text, text, bytea, text, jsonb, jsonb) TO outfit_stylists;
GRANT EXECUTE ON FUNCTION outfit_team.push_catalogue(uuid, text, text, text, text, jsonb) TO outfit_stylists;
"#;

/// Whether this team store has the shared looks, heads and catalogues: one set up before them has not, until the
/// lead runs `team init` again. Until then the apps keep their share events pending (never refused) and sync
/// judgements as before.
pub fn available(client: &mut impl GenericClient) -> Result<bool, postgres::Error> {
    Ok(client
        .query_one(
            "SELECT to_regclass('outfit_team.looks') IS NOT NULL
                    AND to_regprocedure('outfit_team.push_look(uuid, text, uuid, text, text, text, jsonb)') IS NOT NULL",
            &[],
        )?
        .get(0))
}

/// A head version on the team store, without its weights (they come with [`fetch_head`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamHead {
    pub id: String,
    pub stylist: String,
    pub at: String,
    pub name: String,
    pub parent: Option<String>,
    pub parent_name: Option<String>,
    pub encoder_key: String,
    pub sha256: String,
    pub trained_on: String,
    /// The head's figures (its metrics JSON, as the training wrote it).
    pub metrics_json: String,
    pub bytes: i64,
}

impl TeamHead {
    /// The head's figures in a few words: its top-level numbers ("auc 0.81 · best_epoch 13"), at most four, or
    /// "none" (the whole JSON is in `metrics_json`).
    pub fn figures(&self) -> String {
        let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(&self.metrics_json) else { return "none".into() };
        let shown: Vec<String> = m
            .iter()
            .filter_map(|(k, v)| v.as_f64().map(|x| if x.fract() == 0.0 { format!("{k} {x}") } else { format!("{k} {x:.3}") }))
            .take(4)
            .collect();
        if shown.is_empty() { "none".into() } else { shown.join(" · ") }
    }
}

/// A catalogue of the team: the latest word on it (by name), with who imported it and how many SKUs it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamCatalogue {
    pub name: String,
    pub source: String,
    pub skus: Vec<String>,
    pub stylist: String,
    pub at: String,
}

/// A field of a share event's payload (an absent one reads as JSON null).
fn payload(e: &ShareEvent) -> serde_json::Value {
    serde_json::from_str(&e.payload_json).unwrap_or(serde_json::Value::Null)
}

/// Pushes one share event; a refusal by the server comes back as Ok(Err(reason)). A head whose row is gone here
/// (a deleted version) is refused locally the same way.
pub(crate) fn push_one(
    client: &mut impl GenericClient,
    store: &Store,
    e: &ShareEvent,
) -> std::result::Result<std::result::Result<(), String>, postgres::Error> {
    let p = payload(e);
    let text = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let list = |k: &str| p.get(k).cloned().unwrap_or(serde_json::Value::Array(vec![])).to_string();
    let r = match e.kind {
        ShareKind::Look | ShareKind::Rename | ShareKind::Archive => {
            let kind = match e.kind {
                ShareKind::Look => "approve",
                ShareKind::Rename => "rename",
                _ => "archive",
            };
            client.execute(
                "SELECT outfit_team.push_look($1::text::uuid, $2, $3::text::uuid, $4, $5, $6, $7::text::jsonb)",
                &[&e.event_id, &kind, &e.subject, &e.stylist, &e.at, &text("name"), &list("skus")],
            )
        }
        ShareKind::Catalogue => client.execute(
            "SELECT outfit_team.push_catalogue($1::text::uuid, $2, $3, $4, $5, $6::text::jsonb)",
            &[&e.event_id, &e.stylist, &e.at, &e.subject, &text("source"), &list("skus")],
        ),
        ShareKind::Head => {
            let h = match store.shared_head(&e.subject) {
                Ok(Some(h)) => h,
                Ok(None) => return Ok(Err(format!("head {} is no longer in this database", e.subject))),
                Err(err) => return Ok(Err(format!("cannot read head {}: {err}", e.subject))),
            };
            client.execute(
                "SELECT outfit_team.push_head($1::text::uuid, $2, $3, $4, $5::text::uuid, $6, $7, $8, $9, $10, $11, $12::text::jsonb, $13::text::jsonb)",
                &[
                    &h.uuid,
                    &e.stylist,
                    &h.created_at,
                    &h.name,
                    &h.parent_uuid,
                    &h.parent_name,
                    &h.parent_sha256,
                    &h.encoder_key,
                    &h.sha256,
                    &h.weights,
                    &h.trained_on,
                    &json_or_empty(&h.params_json),
                    &json_or_empty(&h.metrics_json),
                ],
            )
        }
    };
    match r {
        Ok(_) => Ok(Ok(())),
        Err(err) => match err.as_db_error() {
            Some(db) => Ok(Err(format!("{} ({})", db.message(), db.code().code()))),
            None => Err(err),
        },
    }
}

/// A stored JSON object as the server takes it ("{}" for one that does not parse, which the server would refuse).
fn json_or_empty(s: &str) -> String {
    if serde_json::from_str::<serde_json::Value>(s).is_ok() { s.to_string() } else { "{}".to_string() }
}

/// What a share push did, by outbox seq.
#[derive(Debug, Default)]
pub struct SharePushed {
    pub accepted: Vec<i64>,
    pub refused: Vec<(i64, String)>,
}

/// Pushes a batch of share events in one server transaction; on a refusal the batch is rolled back and pushed one
/// by one, so the refused event is set aside and the rest go in (as [`crate::server::push`] does for judgements).
pub fn push(client: &mut Client, store: &Store, events: &[ShareEvent]) -> Result<SharePushed, postgres::Error> {
    let mut out = SharePushed::default();
    let mut tx = client.transaction()?;
    let mut clean = true;
    for e in events {
        if push_one(&mut tx, store, e)?.is_err() {
            clean = false;
            break;
        }
        out.accepted.push(e.seq);
    }
    if clean {
        tx.commit()?;
        return Ok(out);
    }
    tx.rollback()?;
    out.accepted.clear();
    for e in events {
        match push_one(client, store, e)? {
            Ok(()) => out.accepted.push(e.seq),
            Err(why) => out.refused.push((e.seq, why)),
        }
    }
    Ok(out)
}

/// The team's look events after `cursor`, oldest first, at most `limit`.
pub fn pull_looks(client: &mut impl GenericClient, cursor: i64, limit: i64) -> Result<Vec<RemoteLook>, postgres::Error> {
    let rows = client.query(
        "SELECT seq, kind, look::text, stylist, at, name, coalesce(skus::text, '[]')
         FROM outfit_team.looks WHERE seq > $1 ORDER BY seq LIMIT $2",
        &[&cursor, &limit],
    )?;
    Ok(rows
        .iter()
        .map(|r| RemoteLook {
            seq: r.get(0),
            kind: match r.get::<_, &str>(1) {
                "rename" => ShareKind::Rename,
                "archive" => ShareKind::Archive,
                _ => ShareKind::Look,
            },
            look_uuid: r.get(2),
            stylist: r.get(3),
            at: r.get(4),
            name: r.get(5),
            skus_json: r.get(6),
        })
        .collect())
}

/// The team's head versions, oldest first (without weights).
pub fn heads(client: &mut impl GenericClient) -> Result<Vec<TeamHead>> {
    let rows = client.query(
        "SELECT id::text, stylist, at, name, parent::text, parent_name, encoder_key, sha256, trained_on, metrics::text, octet_length(weights)::bigint
         FROM outfit_team.heads ORDER BY at, id",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| TeamHead {
            id: r.get(0),
            stylist: r.get(1),
            at: r.get(2),
            name: r.get(3),
            parent: r.get(4),
            parent_name: r.get(5),
            encoder_key: r.get(6),
            sha256: r.get(7),
            trained_on: r.get(8),
            metrics_json: r.get(9),
            bytes: r.get(10),
        })
        .collect())
}

/// One head version with its weights, by id (a unique prefix of the id does too); None when no head matches.
pub fn fetch_head(client: &mut impl GenericClient, id: &str) -> Result<Option<(SharedHead, String)>> {
    // An id is hex digits and dashes; anything else (a LIKE wildcard among them) matches no head.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Ok(None);
    }
    let rows = client.query(
        "SELECT id::text, name, parent::text, parent_name, parent_sha256, encoder_key, sha256, weights, trained_on, params::text,
                metrics::text, at, stylist
         FROM outfit_team.heads WHERE id::text LIKE $1 || '%' ORDER BY at LIMIT 2",
        &[&id.to_ascii_lowercase()],
    )?;
    if rows.len() != 1 {
        return Ok(None);
    }
    let r = &rows[0];
    let head = SharedHead {
        uuid: r.get(0),
        name: r.get(1),
        parent_uuid: r.get(2),
        parent_name: r.get(3),
        parent_sha256: r.get(4),
        encoder_key: r.get(5),
        sha256: r.get(6),
        weights: r.get(7),
        trained_on: r.get(8),
        params_json: r.get(9),
        metrics_json: r.get(10),
        created_at: r.get(11),
    };
    Ok(Some((head, r.get(12))))
}

/// The team's catalogues: the latest announcement of each name, by name.
pub fn catalogues(client: &mut impl GenericClient) -> Result<Vec<TeamCatalogue>> {
    let rows = client.query(
        "SELECT DISTINCT ON (name) name, source, skus::text, stylist, at FROM outfit_team.catalogues ORDER BY name, seq DESC",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            let skus: String = r.get(2);
            Ok(TeamCatalogue {
                name: r.get(0),
                source: r.get(1),
                skus: serde_json::from_str(&skus).map_err(crate::TeamError::Skus)?,
                stylist: r.get(3),
                at: r.get(4),
            })
        })
        .collect()
}
