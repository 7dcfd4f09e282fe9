//! Routing with overlap, as Prodigy's `feed_overlap` and Argilla's task distribution: the lead fills the team's review
//! queue and sets N; each outfit goes to at most N stylists. A stylist claims outfits under a lease that expires (a
//! stylist who leaves without judging does not hold an outfit forever) and is released on navigation; a pushed
//! judgement of a leased outfit completes the lease. All of it runs in `SECURITY DEFINER` functions under one
//! advisory lock, so concurrent claims cannot hand out an outfit's N+1-th slot.
//!
//! A judgement pushed after its lease expired and was taken by another stylist is still recorded (work is never
//! refused); only hand-outs are bounded by N.

use crate::{Result, TeamError};
use postgres::GenericClient;

/// Created by `team init` after the log (see `server::init`); idempotent.
pub(crate) const SCHEMA: &str = r#"
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outfit_leads') THEN CREATE ROLE outfit_leads NOLOGIN; END IF;
END $$;
CREATE TABLE IF NOT EXISTS outfit_team.routing (
    id int PRIMARY KEY CHECK (id = 1),
    overlap int NOT NULL DEFAULT 1 CHECK (overlap >= 1),
    lease_seconds int NOT NULL DEFAULT 900 CHECK (lease_seconds > 0)
);
INSERT INTO outfit_team.routing (id) VALUES (1) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS outfit_team.queue (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outfit_key text NOT NULL UNIQUE,
    skus jsonb NOT NULL,
    score double precision,
    added_by text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS outfit_team.leases (
    outfit_key text NOT NULL REFERENCES outfit_team.queue (outfit_key),
    stylist text NOT NULL,
    expires_at timestamptz NOT NULL,
    done_at timestamptz,
    PRIMARY KEY (outfit_key, stylist)
);
REVOKE ALL ON outfit_team.routing, outfit_team.queue, outfit_team.leases FROM PUBLIC;
GRANT SELECT ON outfit_team.routing, outfit_team.queue, outfit_team.leases TO outfit_stylists;

CREATE OR REPLACE FUNCTION outfit_team.claim(p_max int) RETURNS TABLE (outfit_key text, skus text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE n int; secs int; me text := session_user::text; held int;
BEGIN
    PERFORM pg_advisory_xact_lock(2022);
    SELECT r.overlap, r.lease_seconds INTO n, secs FROM outfit_team.routing r WHERE r.id = 1;
    DELETE FROM outfit_team.leases l WHERE l.done_at IS NULL AND l.expires_at < now();
    -- A stylist who comes back keeps (and renews) what they hold, then gets fresh outfits up to p_max.
    UPDATE outfit_team.leases l SET expires_at = now() + make_interval(secs => secs) WHERE l.stylist = me AND l.done_at IS NULL;
    SELECT count(*) INTO held FROM outfit_team.leases l WHERE l.stylist = me AND l.done_at IS NULL;
    INSERT INTO outfit_team.leases (outfit_key, stylist, expires_at)
    SELECT q.outfit_key, me, now() + make_interval(secs => secs) FROM outfit_team.queue q
    WHERE NOT EXISTS (SELECT 1 FROM outfit_team.leases l WHERE l.outfit_key = q.outfit_key AND l.stylist = me)
      AND (SELECT count(*) FROM outfit_team.leases l WHERE l.outfit_key = q.outfit_key) < n
    ORDER BY q.position LIMIT greatest(p_max - held, 0);
    RETURN QUERY SELECT q.outfit_key, q.skus::text FROM outfit_team.queue q
        JOIN outfit_team.leases l ON l.outfit_key = q.outfit_key AND l.stylist = me AND l.done_at IS NULL
        ORDER BY q.position;
END $f$;

CREATE OR REPLACE FUNCTION outfit_team.release(p_key text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
    DELETE FROM outfit_team.leases l WHERE l.outfit_key = p_key AND l.stylist = session_user::text AND l.done_at IS NULL;
$f$;

CREATE OR REPLACE FUNCTION outfit_team.complete_lease() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    UPDATE outfit_team.leases l SET done_at = now()
    WHERE l.outfit_key = NEW.outfit_key AND l.stylist = NEW.stylist AND l.done_at IS NULL;
    RETURN NULL;
END $f$;
DROP TRIGGER IF EXISTS complete_lease ON outfit_team.events;
CREATE TRIGGER complete_lease AFTER INSERT ON outfit_team.events FOR EACH ROW WHEN (NEW.kind = 'judgement')
    EXECUTE FUNCTION outfit_team.complete_lease();

CREATE OR REPLACE FUNCTION outfit_team.set_routing(p_overlap int, p_lease_seconds int) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
    UPDATE outfit_team.routing SET overlap = p_overlap, lease_seconds = p_lease_seconds WHERE id = 1;
$f$;

CREATE OR REPLACE FUNCTION outfit_team.enqueue(p_key text, p_skus jsonb, p_score double precision) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    INSERT INTO outfit_team.queue (outfit_key, skus, score, added_by) VALUES (p_key, p_skus, p_score, session_user)
    ON CONFLICT (outfit_key) DO NOTHING;
    RETURN FOUND;
END $f$;

REVOKE ALL ON FUNCTION outfit_team.claim(int), outfit_team.release(text), outfit_team.set_routing(int, int),
    outfit_team.enqueue(text, jsonb, double precision), outfit_team.complete_lease() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outfit_team.claim(int), outfit_team.release(text) TO outfit_stylists;
GRANT EXECUTE ON FUNCTION outfit_team.set_routing(int, int), outfit_team.enqueue(text, jsonb, double precision) TO outfit_leads;
"#;

/// An outfit the team's queue handed to this stylist.
#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    pub outfit_key: String,
    pub skus: Vec<String>,
}

/// Claims up to `max` outfits for the connected stylist (the ones already held first, renewed), oldest first.
pub fn claim(client: &mut impl GenericClient, max: i32) -> Result<Vec<Routed>> {
    let rows = client.query("SELECT outfit_key, skus FROM outfit_team.claim($1)", &[&max])?;
    rows.iter()
        .map(|r| Ok(Routed { outfit_key: r.get(0), skus: serde_json::from_str(r.get::<_, &str>(1)).map_err(TeamError::Skus)? }))
        .collect()
}

/// Gives an outfit back without judging it (the stylist navigated away): another stylist may get it now.
pub fn release(client: &mut impl GenericClient, outfit_key: &str) -> Result<()> {
    client.execute("SELECT outfit_team.release($1)", &[&outfit_key])?;
    Ok(())
}

/// The lead: at most `overlap` stylists per outfit, leases of `lease_seconds`.
pub fn set_routing(client: &mut impl GenericClient, overlap: i32, lease_seconds: i32) -> Result<()> {
    if overlap < 1 || lease_seconds < 1 {
        return Err(TeamError::Invalid(format!("overlap and lease must be at least 1 (got {overlap}, {lease_seconds} s)")));
    }
    client.execute("SELECT outfit_team.set_routing($1, $2)", &[&overlap, &lease_seconds])?;
    Ok(())
}

/// The lead: appends outfits (SKUs, the lead's head's score) to the team queue; returns how many were new.
pub fn enqueue(client: &mut impl GenericClient, outfits: &[(Vec<String>, Option<f64>)]) -> Result<usize> {
    let mut tx = client.transaction()?;
    let mut added = 0;
    for (skus, score) in outfits {
        let key = outfit_store::outfit_key(skus);
        let new: bool = tx
            .query_one(
                "SELECT outfit_team.enqueue($1, $2::text::jsonb, $3)",
                &[&key, &serde_json::to_string(skus).map_err(TeamError::Skus)?, score],
            )?
            .get(0);
        added += new as usize;
    }
    tx.commit()?;
    Ok(added)
}
