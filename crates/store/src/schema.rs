//! Numbered migrations. `PRAGMA user_version` records how many have run; each runs in its own transaction.
//! Append new migrations; never edit one that has shipped.

pub const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    slot TEXT NOT NULL,
    colour TEXT NOT NULL DEFAULT '',
    brand TEXT NOT NULL DEFAULT '',
    age_group TEXT,
    gender TEXT,
    season TEXT NOT NULL DEFAULT 'all',
    size TEXT NOT NULL DEFAULT '',
    price REAL,
    currency TEXT NOT NULL DEFAULT '',
    image TEXT,
    image_status TEXT NOT NULL DEFAULT 'none',
    in_stock INTEGER NOT NULL DEFAULT 1,
    item_group_id TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE INDEX items_slot ON items(slot);

CREATE TABLE features (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    encoder_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    image_vec BLOB,
    text_vec BLOB NOT NULL,
    image_error TEXT,
    PRIMARY KEY (item_id, encoder_key)
);

CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES models(id),
    encoder_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    weights BLOB NOT NULL,
    trained_on TEXT NOT NULL,
    params_json TEXT NOT NULL DEFAULT '{}',
    metrics_json TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE embeddings (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, item_id)
);

CREATE TABLE stylists (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

CREATE TABLE outfits (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'exported', 'archived')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE outfit_items (
    outfit_id INTEGER NOT NULL REFERENCES outfits(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    slot TEXT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (outfit_id, position)
);

CREATE TABLE judgements (
    id INTEGER PRIMARY KEY,
    outfit_key TEXT NOT NULL,
    skus_json TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject', 'skip')),
    stylist TEXT NOT NULL,
    at TEXT NOT NULL,
    model_id INTEGER REFERENCES models(id),
    model_name TEXT,
    score REAL,
    source TEXT NOT NULL DEFAULT 'manual',
    reasons TEXT NOT NULL DEFAULT '',
    outfit_id INTEGER REFERENCES outfits(id),
    undone_at TEXT
);
CREATE INDEX judgements_stylist ON judgements(stylist, at);
CREATE INDEX judgements_key ON judgements(outfit_key);

CREATE TABLE exports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    path TEXT NOT NULL,
    count INTEGER NOT NULL,
    at TEXT NOT NULL
);
"#,
    // 2: the review queue (label collection at scale): proposed outfits per stylist, in review order.
    r#"
CREATE TABLE queue_items (
    id INTEGER PRIMARY KEY,
    stylist TEXT NOT NULL,
    position INTEGER NOT NULL,
    skus_json TEXT NOT NULL,
    outfit_key TEXT NOT NULL,
    score REAL NOT NULL,
    seed_sku TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'skipped')),
    verdict TEXT,
    judgement_id INTEGER REFERENCES judgements(id),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    UNIQUE (stylist, position)
);
CREATE INDEX queue_items_stylist ON queue_items(stylist, status, position);
CREATE INDEX judgements_identity ON judgements(stylist, outfit_key, verdict, at);
"#,
    // 3: per-catalogue centring of each head: the feature mean its stored embeddings were computed with.
    r#"
CREATE TABLE head_centring (
    model_id INTEGER PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
    mean BLOB NOT NULL,
    items INTEGER NOT NULL,
    at TEXT NOT NULL
);
"#,
    // 4: labels that cannot be bent. Outfit keys become unambiguous (sorted SKUs, each `<byte length>:<sku>`, joined
    // by spaces, as `outfit_key` computes them: '+'-joined keys made ("A+B","C") and ("A","B+C") one outfit), and
    // reasons become JSON arrays (they were comma-joined; split exactly as the old reader split them). Rows whose
    // SKU list is not a JSON array are left as they are and reported as corrupt, with their id, when read.
    r#"
-- json-labels
UPDATE judgements SET outfit_key = COALESCE((
    SELECT group_concat(length(CAST(value AS BLOB)) || ':' || value, ' ' ORDER BY CAST(value AS BLOB))
    FROM json_each(judgements.skus_json)), '')
WHERE json_valid(skus_json) AND json_type(skus_json) = 'array';
UPDATE queue_items SET outfit_key = COALESCE((
    SELECT group_concat(length(CAST(value AS BLOB)) || ':' || value, ' ' ORDER BY CAST(value AS BLOB))
    FROM json_each(queue_items.skus_json)), '')
WHERE json_valid(skus_json) AND json_type(skus_json) = 'array';
UPDATE judgements SET reasons = s.arr FROM (
    WITH RECURSIVE split(id, n, part, rest) AS (
        SELECT id, 0, '', reasons || ',' FROM judgements
        UNION ALL
        SELECT id, n + 1, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1) FROM split WHERE rest <> ''
    )
    SELECT id, json_group_array(part ORDER BY n) FILTER (WHERE part <> '') AS arr FROM split GROUP BY id
) AS s WHERE s.id = judgements.id;
"#,
    // 5: catalogues: each import belongs to a catalogue (name, source, kind, hidden/deleted); items existing before
    // this migration are grouped by their feed, the generated demo feed becoming the "Demo" catalogue (hidden when
    // a real one exists). Saved column-mapping profiles for the importers.
    r#"
CREATE TABLE catalogues (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'feed' CHECK (kind IN ('feed', 'demo')),
    hidden INTEGER NOT NULL DEFAULT 0,
    deleted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1
);
ALTER TABLE items ADD COLUMN catalogue_id INTEGER REFERENCES catalogues(id);
CREATE INDEX items_catalogue ON items(catalogue_id);
INSERT INTO catalogues (name, source, kind, created_at, updated_at)
    SELECT CASE WHEN source LIKE '%demo/catalogue.csv' THEN 'Demo' WHEN source = '' THEN 'Imported' ELSE source END AS n,
           MIN(source),
           CASE WHEN MIN(source) LIKE '%demo/catalogue.csv' THEN 'demo' ELSE 'feed' END,
           MIN(updated_at), MAX(updated_at)
    FROM items GROUP BY n;
UPDATE items SET catalogue_id = (SELECT c.id FROM catalogues c WHERE c.name =
    CASE WHEN items.source LIKE '%demo/catalogue.csv' THEN 'Demo' WHEN items.source = '' THEN 'Imported' ELSE items.source END);
UPDATE catalogues SET hidden = 1 WHERE kind = 'demo' AND EXISTS (SELECT 1 FROM catalogues WHERE kind = 'feed');
CREATE TABLE import_profiles (
    name TEXT PRIMARY KEY,
    mapping_json TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"#,
    // 6: each head's embeddings also as one slot-ordered pack (item ids, f32 rows, their f16 copy), so opening a
    // catalogue reads three blobs instead of one row per item. The per-item rows stay the source the pack is made
    // from; any change to them (or to an item's slot, which orders the pack) drops the pack, and the next open
    // re-packs (existing databases are packed on their first open).
    r#"
-- embedding-packs
CREATE TABLE embedding_packs (
    model_id INTEGER PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
    dim INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    item_ids BLOB NOT NULL,
    vectors BLOB NOT NULL,
    half BLOB NOT NULL,
    at TEXT NOT NULL
);
CREATE TRIGGER embedding_packs_stale_on_insert AFTER INSERT ON embeddings
    BEGIN DELETE FROM embedding_packs WHERE model_id = NEW.model_id; END;
CREATE TRIGGER embedding_packs_stale_on_update AFTER UPDATE ON embeddings
    BEGIN DELETE FROM embedding_packs WHERE model_id IN (OLD.model_id, NEW.model_id); END;
CREATE TRIGGER embedding_packs_stale_on_delete AFTER DELETE ON embeddings
    BEGIN DELETE FROM embedding_packs WHERE model_id = OLD.model_id; END;
CREATE TRIGGER embedding_packs_stale_on_slot AFTER UPDATE OF slot ON items WHEN OLD.slot IS NOT NEW.slot
    BEGIN DELETE FROM embedding_packs; END;
"#,
    // 7: generated looks (issue 14). App settings as JSON values by key (the outfit templates live there), and
    // where a queue entry came from: the active-learning queue ('active') or the look generator ('generated',
    // with its template and the generator's parameters, so each decision can be traced to what made it).
    r#"
-- generated-looks
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
ALTER TABLE queue_items ADD COLUMN source TEXT NOT NULL DEFAULT 'active';
ALTER TABLE queue_items ADD COLUMN template TEXT NOT NULL DEFAULT '';
ALTER TABLE queue_items ADD COLUMN params_json TEXT NOT NULL DEFAULT '{}';
CREATE INDEX queue_items_source ON queue_items(source, template);
"#,
    // 8: team mode (issue 21). Judgements get a global id, a UUID v7 whose time is the judgement's own (existing rows
    // are given one from their `at`; a row inserted without one, by an older code path, gets one at once), and an
    // origin: 'local' (made here) or 'team' (another stylist's, pulled from the team store). While this database is
    // joined to a team (`team_config`), every local judgement and undo by the joined stylist is appended to
    // `team_outbox` by a trigger, in the transaction that records it: a kill -9 after the commit loses nothing, and
    // the sync worker pushes the outbox in order (both insert triggers fill a missing id, since SQLite does not promise
    // which fires first). Credentials are never stored here, only the URL without password.
    r#"
-- team-mode
ALTER TABLE judgements ADD COLUMN uuid TEXT;
ALTER TABLE judgements ADD COLUMN origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'team'));
UPDATE judgements SET uuid = substr(printf('%012x', CAST(ROUND(COALESCE(julianday(at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 1, 8) || '-' || substr(printf('%012x', CAST(ROUND(COALESCE(julianday(at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 9, 4) || '-7' || substr(lower(hex(randomblob(2))), 2, 3) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2, 3) || '-' || lower(hex(randomblob(6)));
CREATE UNIQUE INDEX judgements_uuid ON judgements(uuid);
CREATE TABLE team_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT NOT NULL,
    stylist TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0,
    last_sync_at TEXT
);
CREATE TABLE team_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('judgement', 'undo')),
    judgement_uuid TEXT NOT NULL,
    at TEXT NOT NULL,
    pushed_at TEXT,
    refused TEXT
);
CREATE INDEX team_outbox_pending ON team_outbox(pushed_at, refused, seq);
CREATE TRIGGER team_judgement_id AFTER INSERT ON judgements WHEN NEW.uuid IS NULL
    BEGIN UPDATE judgements SET uuid = substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 1, 8) || '-' || substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 9, 4) || '-7' || substr(lower(hex(randomblob(2))), 2, 3) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2, 3) || '-' || lower(hex(randomblob(6))) WHERE id = NEW.id AND uuid IS NULL; END;
CREATE TRIGGER team_outbox_judgement AFTER INSERT ON judgements
    WHEN NEW.origin = 'local' AND EXISTS (SELECT 1 FROM team_config WHERE stylist = NEW.stylist)
    BEGIN UPDATE judgements SET uuid = substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 1, 8) || '-' || substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 9, 4) || '-7' || substr(lower(hex(randomblob(2))), 2, 3) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2, 3) || '-' || lower(hex(randomblob(6))) WHERE id = NEW.id AND uuid IS NULL;
          INSERT INTO team_outbox (event_id, kind, judgement_uuid, at)
          SELECT uuid, 'judgement', uuid, at FROM judgements WHERE id = NEW.id; END;
CREATE TRIGGER team_outbox_undo AFTER UPDATE OF undone_at ON judgements
    WHEN OLD.undone_at IS NULL AND NEW.undone_at IS NOT NULL AND NEW.origin = 'local'
         AND EXISTS (SELECT 1 FROM team_config WHERE stylist = NEW.stylist)
    BEGIN INSERT INTO team_outbox (event_id, kind, judgement_uuid, at) VALUES (substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.undone_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 1, 8) || '-' || substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.undone_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 9, 4) || '-7' || substr(lower(hex(randomblob(2))), 2, 3) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2, 3) || '-' || lower(hex(randomblob(6))), 'undo', NEW.uuid, NEW.undone_at); END;
"#,
    // 9: what each webshop publish sent (issue 20), so the next one can write only the difference. Per channel (a
    // format family writing one place: the Shopify metafield, the JSON file…) the state the shop holds after the
    // latest publish: each product's entry as sent and the looks behind them (older states are dropped on the next
    // publish; the `publishes` rows stay as the log). The image URL template moves from one setting per database
    // to each catalogue, since each feed's images live in their own place; a saved one goes to every feed.
    r#"
-- publish-log
CREATE TABLE publishes (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    format TEXT NOT NULL,
    path TEXT NOT NULL,
    changed_only INTEGER NOT NULL DEFAULT 0,
    written INTEGER NOT NULL,
    products INTEGER NOT NULL,
    looks INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX publishes_channel ON publishes(channel, id);
CREATE TABLE published_products (
    publish_id INTEGER NOT NULL REFERENCES publishes(id) ON DELETE CASCADE,
    product TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (publish_id, product)
);
CREATE TABLE published_looks (
    publish_id INTEGER NOT NULL REFERENCES publishes(id) ON DELETE CASCADE,
    outfit_id INTEGER NOT NULL,
    PRIMARY KEY (publish_id, outfit_id)
);
ALTER TABLE catalogues ADD COLUMN image_url_template TEXT;
UPDATE catalogues SET image_url_template =
    (SELECT json_extract(value_json, '$') FROM settings WHERE key = 'export.image_url_template' AND json_valid(value_json))
    WHERE kind = 'feed';
DELETE FROM settings WHERE key = 'export.image_url_template';
"#,
    // 10: more of team mode (issue 21): approved looks, their renames and archiving, head versions and the catalogues that exist
    // are shared too. Outfits and model versions get a global id (UUID v7 from their creation time; new rows get
    // one when inserted) and an origin ('local', or 'team' when pulled from the team store). `team_share_outbox` is
    // the outbox of these events, filled in the transaction of the write (an approving judgement, a rename, a head
    // install, a catalogue import) with what the event says at that moment; `team_looks` is the team's latest word on
    // every look pulled (a look whose SKUs are not in this catalogue yet waits there and appears once they are).
    r#"
-- team-share
ALTER TABLE outfits ADD COLUMN uuid TEXT;
ALTER TABLE outfits ADD COLUMN origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'team'));
UPDATE outfits SET uuid = substr(printf('%012x', CAST(ROUND(COALESCE(julianday(created_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 1, 8) || '-' || substr(printf('%012x', CAST(ROUND(COALESCE(julianday(created_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 9, 4) || '-7' || substr(lower(hex(randomblob(2))), 2, 3) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2, 3) || '-' || lower(hex(randomblob(6)));
CREATE UNIQUE INDEX outfits_uuid ON outfits(uuid);
ALTER TABLE models ADD COLUMN uuid TEXT;
ALTER TABLE models ADD COLUMN origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'team'));
UPDATE models SET uuid = substr(printf('%012x', CAST(ROUND(COALESCE(julianday(created_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 1, 8) || '-' || substr(printf('%012x', CAST(ROUND(COALESCE(julianday(created_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 9, 4) || '-7' || substr(lower(hex(randomblob(2))), 2, 3) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2, 3) || '-' || lower(hex(randomblob(6)));
CREATE UNIQUE INDEX models_uuid ON models(uuid);
ALTER TABLE team_config ADD COLUMN share_cursor INTEGER NOT NULL DEFAULT 0;
CREATE TABLE team_share_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('look', 'rename', 'archive', 'head', 'catalogue')),
    subject TEXT NOT NULL,
    stylist TEXT NOT NULL,
    at TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    pushed_at TEXT,
    refused TEXT
);
CREATE INDEX team_share_outbox_pending ON team_share_outbox(pushed_at, refused, seq);
CREATE TRIGGER outfits_uuid AFTER INSERT ON outfits WHEN NEW.uuid IS NULL
    BEGIN UPDATE outfits SET uuid = substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.created_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 1, 8) || '-' || substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.created_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 9, 4) || '-7' || substr(lower(hex(randomblob(2))), 2, 3) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2, 3) || '-' || lower(hex(randomblob(6))) WHERE id = NEW.id; END;
CREATE TRIGGER models_uuid AFTER INSERT ON models WHEN NEW.uuid IS NULL
    BEGIN UPDATE models SET uuid = substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.created_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 1, 8) || '-' || substr(printf('%012x', CAST(ROUND(COALESCE(julianday(NEW.created_at), julianday('now')) * 86400000 - 210866760000000) AS INTEGER)), 9, 4) || '-7' || substr(lower(hex(randomblob(2))), 2, 3) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2, 3) || '-' || lower(hex(randomblob(6))) WHERE id = NEW.id; END;
CREATE TABLE team_looks (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    skus_json TEXT NOT NULL,
    stylist TEXT NOT NULL,
    at TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0
);
"#,
    // 11: the ranking index keeps an int8 copy of the rows, made from the f32 rows as they load; the pack no longer
    // stores their f16 copy (a third of its bytes, never read since).
    r#"
-- pack-without-f16
ALTER TABLE embedding_packs DROP COLUMN half;
"#,
];

/// The schema version from which reasons are JSON arrays and outfit keys length-prefixed (found by its marker, so
/// renumbering migrations at a merge cannot break reading older files).
pub fn json_labels_version() -> i64 {
    MIGRATIONS.iter().position(|m| m.contains("-- json-labels")).expect("the json-labels migration") as i64 + 1
}

/// The schema version from which judgements have global ids (UUID v7) and the team outbox exists.
pub fn team_mode_version() -> i64 {
    MIGRATIONS.iter().position(|m| m.contains("-- team-mode")).expect("the team-mode migration") as i64 + 1
}
