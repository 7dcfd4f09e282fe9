//! Helpers shared by the integration tests.

use outfit_studio::Engine;
use outfit_studio::store::{JudgementSource, StoredFeatures, StoredItem};

/// Stores made-up encoder features for every item instead of running the ONNX encoders (fast, deterministic),
/// then reloads the engine so the head embeds them. `features(item, image_dim, text_dim)` gives (image, text).
pub fn put_fake_features(e: &mut Engine, features: impl Fn(&StoredItem, usize, usize) -> (Vec<f32>, Vec<f32>)) {
    let key = e.encoder_key();
    let (di, dt) = (e.manifest().image.dim, e.manifest().text.dim);
    let batch: Vec<_> = e
        .store()
        .all_items()
        .unwrap()
        .into_iter()
        .map(|it| {
            let (image, text) = features(&it, di, dt);
            let f = StoredFeatures { item_id: it.id, image: Some(image), text };
            (it, f, None)
        })
        .collect();
    e.store_mut().put_features(&key, &batch).unwrap();
    e.reload().unwrap();
}

/// A deterministic pseudo-random vector in [-0.5, 0.5) (an LCG seeded by `seed`), for made-up features.
#[allow(dead_code)]
pub fn fake_vec(seed: u64, dim: usize) -> Vec<f32> {
    let mut x = seed;
    (0..dim)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect()
}

/// An engine on `dir/x.db` with `feed` imported and made-up features seeded by item id (see [`put_fake_features`]).
#[allow(dead_code)]
pub fn engine_with_feed(dir: &std::path::Path, feed: &std::path::Path) -> Engine {
    let mut e = Engine::open(&dir.join("x.db"), &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models")).unwrap();
    e.import(feed).unwrap();
    put_fake_features(&mut e, |it, di, dt| (fake_vec(it.id as u64, di), fake_vec(it.id as u64 + 99, dt)));
    e
}

/// Approves a look of these SKUs as `stylist` and names it, as the app's accept does (the judgement and the look in
/// one transaction); returns the look's outfit id.
#[allow(dead_code)]
pub fn approve_look(e: &mut Engine, stylist: &str, skus: &[&str], name: &str) -> i64 {
    use outfit_studio::store::{JudgeEffects, NewJudgement, Verdict};
    let look: Vec<_> = skus.iter().map(|s| e.store().item_by_sku(s).unwrap().unwrap()).map(|it| (it.item.slot, it.id)).collect();
    let j = NewJudgement::new(skus.iter().map(|s| s.to_string()).collect(), Verdict::Accept, stylist, JudgementSource::Manual);
    e.store_mut().judge_action(&j, &JudgeEffects { look: Some(&look), look_name: name, ..Default::default() }).unwrap().outfit_id.unwrap()
}

/// Pseudo-random image and text features per SKU (see [`put_fake_features`]).
#[allow(dead_code)]
pub fn put_random_features(e: &mut Engine) {
    put_fake_features(e, |it, di, dt| {
        let s = it.item.sku.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
        (fake_vec(s, di), fake_vec(s ^ 0xABCD, dt))
    });
}

/// The harness builder every UI test starts from. Workers wake the UI as their results arrive, so a run may take
/// more than kittest's default 4 steps to settle on a slow machine (CI took 7): 64 are allowed.
#[allow(dead_code)]
pub fn harness_builder() -> egui_kittest::HarnessBuilder<outfit_studio::ui::StudioApp> {
    egui_kittest::Harness::builder().with_max_steps(64)
}

/// A frame for the input, then waits for everything the studio sent off (writes, scores, dialogs) and runs
/// frames until all of it is shown: the background flow made deterministic for assertions.
#[allow(dead_code)]
pub fn pump(h: &mut egui_kittest::Harness<'_, outfit_studio::ui::StudioApp>) {
    h.step();
    for _ in 0..20 {
        h.state_mut().studio.settle();
        if h.try_run().is_ok() && !h.state().studio.busy() {
            break;
        }
    }
}

/// Set to 1 (CI does, with lavapipe installed) to make a missing GPU adapter fail the GPU tests instead of skipping.
pub const REQUIRE_GPU: &str = "OUTFIT_STUDIO_REQUIRE_GPU";

/// A missing adapter: a note and a skip, or a failure where [`REQUIRE_GPU`] is set.
#[allow(dead_code)]
pub fn no_adapter(what: &str, e: &dyn std::fmt::Display) {
    if std::env::var(REQUIRE_GPU).is_ok_and(|v| v == "1") {
        panic!("{REQUIRE_GPU}=1 but there is no GPU adapter ({e}): {what} cannot run; install mesa-vulkan-drivers");
    }
    eprintln!("note: skipping {what}, no adapter here ({e}); CI installs mesa-vulkan-drivers and sets {REQUIRE_GPU}=1");
}

/// File dialogs that pick nothing: the app without a desktop (tests that never open a dialog).
#[allow(dead_code)]
pub struct NoDialogs;
impl outfit_studio::ui::Dialogs for NoDialogs {
    fn pick_feeds(&self) -> Option<Vec<std::path::PathBuf>> {
        None
    }
}

/// Runs frames until the background job and the writes it sent off are in.
#[allow(dead_code)]
pub fn settle_jobs(h: &mut egui_kittest::Harness<'_, outfit_studio::ui::StudioApp>) {
    for _ in 0..20 {
        h.state_mut().studio.wait_for_job();
        pump(h);
        if h.state().studio.job().is_none() && !h.state().studio.busy() {
            break;
        }
    }
}

/// Set to 1 (CI does) to make a PostgreSQL server that cannot start fail the team tests instead of skipping.
pub const REQUIRE_POSTGRES: &str = "OUTFIT_STUDIO_REQUIRE_POSTGRES";

/// A throwaway PostgreSQL server for `what`, or `None` after one SKIPPED line (a failure where
/// [`REQUIRE_POSTGRES`] is set).
#[allow(dead_code)]
pub fn postgres_or_skip(what: &str) -> Option<outfit_studio::team::cluster::Cluster> {
    match outfit_studio::team::cluster::Cluster::start(false) {
        Ok(c) => Some(c),
        Err(e) => {
            if std::env::var_os(REQUIRE_POSTGRES).is_some_and(|v| v == "1") {
                panic!("{REQUIRE_POSTGRES}=1 but no PostgreSQL server could start: {e:#}");
            }
            println!("SKIPPED: {what} needs a PostgreSQL server and none could start: {e:#}");
            None
        }
    }
}

/// A throwaway team store for `what` with these stylists and leads, their passwords written to `dir/pgpass` (the
/// file a stylist's `.pgpass` would be); `None` after one SKIPPED line without PostgreSQL.
#[allow(dead_code)]
pub fn team_or_skip(
    dir: &std::path::Path,
    what: &str,
    stylists: &[&str],
    leads: &[&str],
) -> Option<(outfit_studio::team::cluster::Cluster, std::path::PathBuf)> {
    let cluster = postgres_or_skip(what)?;
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let report = outfit_studio::team::server::init(&mut cluster.admin().unwrap(), &names(stylists), &names(leads)).unwrap();
    let pgpass = dir.join("pgpass");
    let lines: Vec<_> = report.created.iter().map(|s| cluster.pgpass(&s.name, &s.password)).collect();
    outfit_studio::team::cluster::write_pgpass(&pgpass, &lines).unwrap();
    Some((cluster, pgpass))
}

/// Stands in for a head `who` trained: a copy of the active head under `name`, stored in `e` (published to the
/// team by the store's outbox), then one sync with the team store. Returns the active head and the new version.
#[allow(dead_code)]
pub fn share_a_trained_head(
    e: &mut Engine,
    cluster: &outfit_studio::team::cluster::Cluster,
    pgpass: &std::path::Path,
    who: &str,
    name: &str,
) -> (outfit_studio::store::ModelRow, i64) {
    let active = e.active_model().cloned().expect("an active head");
    let trained = outfit_studio::store::ModelRow {
        name: name.into(),
        parent_id: Some(active.id),
        sha256: format!("{name}-weights"),
        ..active.clone()
    };
    let head = e.store_mut().insert_model(&trained).unwrap();
    let url = outfit_studio::team::TeamUrl::parse(&cluster.url(who)).unwrap();
    let password = url.password_from_file(Some(pgpass)).unwrap();
    let mut client = url.connect(password.as_deref(), std::time::Duration::from_secs(5)).unwrap();
    outfit_studio::team::sync_once(e.store_mut(), &mut client).unwrap();
    (active, head)
}
