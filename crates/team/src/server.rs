//! The team store on PostgreSQL: one append-only log of events (judgements and undos) in schema `outfit_team`.
//!
//! Stylists get no INSERT, UPDATE or DELETE on it (and row-level security denies them besides): they write only
//! through two `SECURITY DEFINER` functions that record the event under the connected role (`session_user`) and
//! refuse any other name, refuse an undo of another stylist's judgement, and take a settlement of a disagreement
//! (source `settled`) from a lead only. Every event has the client's UUID v7,
//! so a retried push is a no-op. The functions take a transaction-scoped advisory lock before drawing the next
//! sequence number, so sequence numbers become visible in order and a reader's cursor (`seq > last`) never skips a
//! late commit. Each event is announced with `NOTIFY outfit_team`.

use crate::{Result, TeamError};
use outfit_store::{OutboxEvent, RemoteEvent, TeamEvent, TeamEventKind};
use postgres::{Client, GenericClient};
use rand::Rng;

/// The notification channel the apps LISTEN on.
pub const CHANNEL: &str = "outfit_team";

/// The schema, idempotent: `team init` can be run again to add stylists.
const SCHEMA: &str = r#"
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outfit_stylists') THEN CREATE ROLE outfit_stylists NOLOGIN; END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS outfit_team;
REVOKE ALL ON SCHEMA outfit_team FROM PUBLIC;
GRANT USAGE ON SCHEMA outfit_team TO outfit_stylists;
CREATE TABLE IF NOT EXISTS outfit_team.events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('judgement', 'undo')),
    judgement uuid NOT NULL,
    stylist text NOT NULL,
    at text NOT NULL,
    outfit_key text,
    skus jsonb,
    verdict text CHECK (verdict IN ('accept', 'reject', 'skip')),
    model_name text,
    score double precision,
    source text,
    reasons jsonb,
    received_at timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'undo' OR (id = judgement AND verdict IS NOT NULL AND skus IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS events_judgement ON outfit_team.events (judgement);
REVOKE ALL ON outfit_team.events FROM PUBLIC;
GRANT SELECT ON outfit_team.events TO outfit_stylists;
ALTER TABLE outfit_team.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE outfit_team.events FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS everyone_reads ON outfit_team.events;
CREATE POLICY everyone_reads ON outfit_team.events FOR SELECT USING (true);
DROP POLICY IF EXISTS owner_appends ON outfit_team.events;
CREATE POLICY owner_appends ON outfit_team.events FOR INSERT TO CURRENT_USER WITH CHECK (true);

CREATE OR REPLACE FUNCTION outfit_team.push_judgement(
    p_id uuid, p_stylist text, p_at text, p_key text, p_skus jsonb, p_verdict text,
    p_model text, p_score double precision, p_source text, p_reasons jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE s bigint; who text;
BEGIN
    IF p_stylist IS DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'stylist % cannot record a judgement under the name %', session_user, p_stylist USING ERRCODE = '42501';
    END IF;
    -- Settling a disagreement decides an outfit's training label for everyone: leads only.
    IF p_source = 'settled' AND NOT pg_has_role(session_user, 'outfit_leads', 'MEMBER') THEN
        RAISE EXCEPTION 'stylist % is not a lead and cannot settle a disagreement', session_user USING ERRCODE = '42501';
    END IF;
    PERFORM pg_advisory_xact_lock(2021);
    SELECT e.seq, e.stylist INTO s, who FROM outfit_team.events e WHERE e.id = p_id;
    IF FOUND THEN
        IF who <> session_user::text THEN
            RAISE EXCEPTION 'judgement % belongs to %', p_id, who USING ERRCODE = '42501';
        END IF;
        RETURN s;
    END IF;
    INSERT INTO outfit_team.events (id, kind, judgement, stylist, at, outfit_key, skus, verdict, model_name, score, source, reasons)
    VALUES (p_id, 'judgement', p_id, session_user, p_at, p_key, p_skus, p_verdict, p_model, p_score, p_source, p_reasons)
    RETURNING seq INTO s;
    PERFORM pg_notify('outfit_team', s::text);
    RETURN s;
END $f$;

CREATE OR REPLACE FUNCTION outfit_team.push_undo(p_id uuid, p_stylist text, p_judgement uuid, p_at text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE s bigint; who text;
BEGIN
    IF p_stylist IS DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'stylist % cannot undo under the name %', session_user, p_stylist USING ERRCODE = '42501';
    END IF;
    PERFORM pg_advisory_xact_lock(2021);
    SELECT e.stylist INTO who FROM outfit_team.events e WHERE e.id = p_judgement AND e.kind = 'judgement';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no judgement % on the team store', p_judgement USING ERRCODE = 'P0002';
    END IF;
    IF who <> session_user::text THEN
        RAISE EXCEPTION 'stylist % cannot undo a judgement of %', session_user, who USING ERRCODE = '42501';
    END IF;
    -- A retry, or a second undo of the same judgement, changes nothing.
    SELECT e.seq INTO s FROM outfit_team.events e WHERE e.id = p_id OR (e.kind = 'undo' AND e.judgement = p_judgement) LIMIT 1;
    IF FOUND THEN RETURN s; END IF;
    INSERT INTO outfit_team.events (id, kind, judgement, stylist, at) VALUES (p_id, 'undo', p_judgement, session_user, p_at)
    RETURNING seq INTO s;
    PERFORM pg_notify('outfit_team', s::text);
    RETURN s;
END $f$;

REVOKE ALL ON FUNCTION outfit_team.push_judgement(uuid, text, text, text, jsonb, text, text, double precision, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION outfit_team.push_undo(uuid, text, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outfit_team.push_judgement(uuid, text, text, text, jsonb, text, text, double precision, text, jsonb) TO outfit_stylists;
GRANT EXECUTE ON FUNCTION outfit_team.push_undo(uuid, text, uuid, text) TO outfit_stylists;
"#;

/// A stylist role `team init` created, with the password it generated (handed over once, in a password file).
#[derive(Debug, Clone)]
pub struct NewStylist {
    pub name: String,
    pub password: String,
}

/// What `init` did.
#[derive(Debug, Clone, Default)]
pub struct InitReport {
    pub created: Vec<NewStylist>,
    /// Stylists whose role existed already: added to the team, password unchanged.
    pub existing: Vec<String>,
}

/// Creates (or updates) the team schema and a login role per stylist, in one transaction; `leads` (stylists too)
/// may also fill the team's review queue and set its overlap. A new role's password is random and sent to the
/// server only as a SCRAM verifier computed here, so it appears in no server log.
pub fn init(client: &mut Client, stylists: &[String], leads: &[String]) -> Result<InitReport> {
    let mut stylists = stylists.to_vec();
    stylists.extend(leads.iter().filter(|l| !stylists.contains(l)).cloned().collect::<Vec<_>>());
    for s in &stylists {
        if s.trim().is_empty() || s.len() > 63 || s.chars().any(char::is_control) {
            return Err(TeamError::Invalid(format!("{s:?} cannot be a stylist's role name (1 to 63 bytes, no control characters)")));
        }
    }
    let mut tx = client.transaction()?;
    tx.batch_execute(SCHEMA)
        .map_err(TeamError::server("cannot create the team schema (does this role own the database, or is it a superuser?)"))?;
    tx.batch_execute(crate::routing::SCHEMA).map_err(TeamError::server("cannot create the team's review queue"))?;
    tx.batch_execute(crate::share::SCHEMA).map_err(TeamError::server("cannot create the team's looks, heads and catalogues"))?;
    let mut report = InitReport::default();
    for name in &stylists {
        let exists: bool = tx.query_one("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", &[name])?.get(0);
        // Role names cannot be bound parameters in DDL: the server quotes them itself (format's %I and %L).
        let ddl: String = if exists {
            report.existing.push(name.clone());
            tx.query_one("SELECT format('GRANT outfit_stylists TO %I', $1::text)", &[name])?.get(0)
        } else {
            let password: String = rand::rng().sample_iter(rand::distr::Alphanumeric).take(24).map(char::from).collect();
            let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
            report.created.push(NewStylist { name: name.clone(), password });
            tx.query_one(
                "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE outfit_stylists', $1::text, $2::text)",
                &[name, &verifier],
            )?
            .get(0)
        };
        tx.batch_execute(&ddl).map_err(TeamError::server(format!("cannot set up the role of stylist {name}")))?;
        if leads.contains(name) {
            let grant: String = tx.query_one("SELECT format('GRANT outfit_leads TO %I', $1::text)", &[name])?.get(0);
            tx.batch_execute(&grant)?;
        }
    }
    tx.commit()?;
    Ok(report)
}

/// The role this connection is, and whether it may push (a member of the stylists' role).
pub fn whoami(client: &mut impl GenericClient) -> Result<(String, bool)> {
    let row = client.query_one(
        "SELECT session_user::text, to_regclass('outfit_team.events') IS NOT NULL AND pg_has_role(session_user, 'outfit_stylists', 'MEMBER')",
        &[],
    );
    match row {
        Ok(r) => Ok((r.get(0), r.get(1))),
        Err(e) if e.as_db_error().is_some() => Err(TeamError::NoTeamStore(e)),
        Err(e) => Err(e.into()),
    }
}

/// Pushes one event; a refusal by the server comes back as Ok(Err(reason)).
fn push_one(client: &mut impl GenericClient, o: &OutboxEvent) -> std::result::Result<std::result::Result<i64, String>, postgres::Error> {
    let (id, e) = (&o.event_id, &o.event);
    let r = match e.kind {
        TeamEventKind::Judgement => client.query_one(
            "SELECT outfit_team.push_judgement($1::text::uuid, $2, $3, $4, $5::text::jsonb, $6, $7, $8, $9, $10::text::jsonb)",
            &[id, &e.stylist, &e.at, &e.outfit_key, &e.skus_json, &e.verdict, &e.model_name, &e.score, &e.source, &e.reasons_json],
        ),
        TeamEventKind::Undo => client
            .query_one("SELECT outfit_team.push_undo($1::text::uuid, $2, $3::text::uuid, $4)", &[id, &e.stylist, &e.judgement_uuid, &e.at]),
    };
    match r {
        Ok(row) => Ok(Ok(row.get(0))),
        Err(err) => match err.as_db_error() {
            Some(db) => Ok(Err(format!("{} ({})", db.message(), db.code().code()))),
            None => Err(err),
        },
    }
}

/// What a push did: events now on the server (by outbox seq) and events the server refused, with its reason.
#[derive(Debug, Default)]
pub struct Pushed {
    pub accepted: Vec<i64>,
    pub refused: Vec<(i64, String)>,
}

/// Pushes a batch in one server transaction (one commit for many events); if the server refuses one, the batch is
/// rolled back and pushed event by event so the refusal is set aside and the rest go in. A lost connection is an
/// error: nothing is marked, and the next push sends the same events again (idempotent by id).
pub fn push(client: &mut Client, events: &[OutboxEvent]) -> Result<Pushed, postgres::Error> {
    let mut out = Pushed::default();
    let mut tx = client.transaction()?;
    let mut clean = true;
    for e in events {
        match push_one(&mut tx, e)? {
            Ok(_) => out.accepted.push(e.seq),
            Err(_) => {
                clean = false;
                break;
            }
        }
    }
    if clean {
        tx.commit()?;
        return Ok(out);
    }
    tx.rollback()?;
    out.accepted.clear();
    for e in events {
        match push_one(client, e)? {
            Ok(_) => out.accepted.push(e.seq),
            Err(why) => out.refused.push((e.seq, why)),
        }
    }
    Ok(out)
}

/// The team's events after `cursor`, oldest first, at most `limit`.
pub fn pull(client: &mut impl GenericClient, cursor: i64, limit: i64) -> Result<Vec<RemoteEvent>, postgres::Error> {
    let rows = client.query(
        "SELECT seq, kind, judgement::text, stylist, at, coalesce(outfit_key, ''), coalesce(skus::text, '[]'), coalesce(verdict, ''),
                model_name, score, coalesce(source, ''), coalesce(reasons::text, '[]')
         FROM outfit_team.events WHERE seq > $1 ORDER BY seq LIMIT $2",
        &[&cursor, &limit],
    )?;
    Ok(rows
        .iter()
        .map(|r| RemoteEvent {
            seq: r.get(0),
            event: TeamEvent {
                kind: if r.get::<_, &str>(1) == "undo" { TeamEventKind::Undo } else { TeamEventKind::Judgement },
                judgement_uuid: r.get(2),
                stylist: r.get(3),
                at: r.get(4),
                outfit_key: r.get(5),
                skus_json: r.get(6),
                verdict: r.get(7),
                model_name: r.get(8),
                score: r.get(9),
                source: r.get(10),
                reasons_json: r.get(11),
            },
        })
        .collect())
}
