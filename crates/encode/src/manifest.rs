//! The model manifest (`models/manifest.json`): what each encoder file is, where it came from, and the exact
//! inputs, outputs and preprocessing the app relies on. Loading checks the checksum and the graph's signature
//! against it, so a wrong file fails with a message that says what was expected.

use crate::error::Explain;
use crate::{EncodeError, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub image: ImageSpec,
    pub text: TextSpec,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub dtype: String,
    /// -1 for a dynamic axis.
    pub shape: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageSpec {
    pub name: String,
    pub version: String,
    pub file: String,
    pub sha256: String,
    #[serde(default)]
    pub source: serde_json::Value,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
    pub embedding_output: String,
    pub dim: usize,
    pub preprocess: ImagePreprocess,
    /// "fp32" or "int8" (the file's weights and activations).
    #[serde(default = "fp32")]
    pub precision: String,
    /// The full-precision file a quantised `file` was made from and measured against (kept beside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<ModelFile>,
    /// How close a quantised `file`'s embeddings stay to `reference`'s, on photos it was not calibrated on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosine_to_fp32: Option<CosineToReference>,
}

fn fp32() -> String {
    "fp32".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFile {
    pub file: String,
    pub sha256: String,
    pub precision: String,
}

/// Cosine of a quantised model's embedding to the fp32 model's, per photo, over a measured set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CosineToReference {
    pub photos: usize,
    pub set: String,
    pub median: f32,
    pub p1: f32,
    pub min: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImagePreprocess {
    pub size: u32,
    pub offset: f32,
    pub scale: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextSpec {
    pub name: String,
    pub version: String,
    pub file: String,
    pub sha256: String,
    pub tokenizer: String,
    pub tokenizer_sha256: String,
    #[serde(default)]
    pub source: serde_json::Value,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
    pub embedding_output: String,
    pub dim: usize,
    pub max_tokens: usize,
    #[serde(default)]
    pub prefix: String,
}

impl Manifest {
    /// This manifest with the image encoder swapped for its fp32 reference (the bench and the cosine test
    /// compare the two); `None` when the image file is the reference itself.
    pub fn with_reference_image(&self) -> Option<Manifest> {
        let r = self.image.reference.as_ref()?;
        let mut m = self.clone();
        m.image.file = r.file.clone();
        m.image.sha256 = r.sha256.clone();
        m.image.precision = r.precision.clone();
        m.image.reference = None;
        m.image.cosine_to_fp32 = None;
        Some(m)
    }

    pub fn load(models_dir: &Path) -> Result<Manifest> {
        let path = models_dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).explain(EncodeError::Model, || {
            format!(
                "model manifest {} is missing: {}, or set OUTFIT_STUDIO_MODELS to a folder holding manifest.json",
                path.display(),
                outfit_paths::package::install_hint()
            )
        })?;
        serde_json::from_str(&text).explain(EncodeError::Model, || format!("model manifest {} is malformed", path.display()))
    }

    /// Identifies the encoder pair and the text template; cached features are keyed by it, so a new encoder file
    /// or template re-indexes.
    pub fn encoder_key(&self) -> String {
        format!("{}+{}", self.image_key(), self.text_key())
    }

    /// The image encoder's part of [`Manifest::encoder_key`] (its leading part): features stored under a key that
    /// starts with it have image vectors this encoder would compute again.
    pub fn image_key(&self) -> String {
        format!("{}@{}", self.image.name, &self.image.sha256[..12.min(self.image.sha256.len())])
    }

    /// The text encoder and template's part of [`Manifest::encoder_key`].
    pub fn text_key(&self) -> String {
        format!("{}@{}+text-v{}", self.text.name, &self.text.sha256[..12.min(self.text.sha256.len())], super::template::TEMPLATE_VERSION)
    }
}

/// Where [`locate_models`] looks: the environment variable's value, the executable, the checkout's and the
/// working directory's `models/`, passed in so tests can lay out a package in a temp dir.
#[derive(Debug, Clone)]
pub struct ModelsLookup {
    pub env: Option<PathBuf>,
    pub exe: Option<PathBuf>,
    pub checkout: PathBuf,
    pub cwd: PathBuf,
}

impl ModelsLookup {
    /// This process's: `$OUTFIT_STUDIO_MODELS`, the running executable, the checkout this crate was built in,
    /// `./models`.
    pub fn from_process() -> ModelsLookup {
        ModelsLookup {
            env: std::env::var_os("OUTFIT_STUDIO_MODELS").filter(|p| !p.is_empty()).map(PathBuf::from),
            exe: outfit_paths::package::current_exe(),
            // This crate sits at crates/encode in the checkout; the models are at its root.
            checkout: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"),
            cwd: PathBuf::from("models"),
        }
    }
}

/// The models directory: `$OUTFIT_STUDIO_MODELS` (taken as given), else the first of the installed package's
/// `models/` beside the executable (`<prefix>/lib/outfit-studio/models`, `<prefix>/share/outfit-studio/models`),
/// the source checkout's `models/` and `./models` that holds a `manifest.json`. With none, `./models`, whose
/// missing manifest then says what to install ([`Manifest::load`]).
pub fn locate_models(l: &ModelsLookup) -> PathBuf {
    if let Some(p) = &l.env {
        return p.clone();
    }
    let packaged = l.exe.as_deref().map(outfit_paths::package::package_dirs).unwrap_or_default();
    packaged
        .into_iter()
        .map(|d| d.join("models"))
        .chain([l.checkout.clone(), l.cwd.clone()])
        .find(|d| d.join("manifest.json").is_file())
        .map(|d| d.canonicalize().unwrap_or(d))
        .unwrap_or_else(|| l.cwd.clone())
}

/// The models directory of this process ([`locate_models`] over [`ModelsLookup::from_process`]).
pub fn default_models_dir() -> PathBuf {
    locate_models(&ModelsLookup::from_process())
}

/// Reads a file and checks its sha256 against the manifest.
pub fn read_verified(path: &Path, expected_sha256: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path)
        .explain(EncodeError::Model, || format!("model file {} is missing (see tools/README.md to re-export it)", path.display()))?;
    let got = hex::encode(Sha256::digest(&bytes));
    if !got.eq_ignore_ascii_case(expected_sha256) {
        return Err(EncodeError::Model(format!(
            "model file {} has sha256 {got}, but the manifest expects {expected_sha256}: the file is corrupt or not the model the manifest describes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Checks a session's declared inputs/outputs against the manifest, naming what differs.
pub fn check_signature(what: &str, session: &ort::session::Session, inputs: &[TensorSpec], outputs: &[TensorSpec]) -> Result<()> {
    let describe = |o: &ort::value::Outlet| {
        let shape = o.dtype().tensor_shape().map(|s| format!("{:?}", s.iter().collect::<Vec<_>>())).unwrap_or_else(|| "?".into());
        format!("{} {shape}", o.name())
    };
    for (kind, declared, actual) in [("input", inputs, session.inputs()), ("output", outputs, session.outputs())] {
        for spec in declared {
            let Some(o) = actual.iter().find(|o| o.name() == spec.name) else {
                let found: Vec<String> = actual.iter().map(describe).collect();
                return Err(EncodeError::Model(format!(
                    "{what} model: expected an {kind} named {:?} with shape {:?}; the file has {kind}s [{}]",
                    spec.name,
                    spec.shape,
                    found.join(", ")
                )));
            };
            if let Some(shape) = o.dtype().tensor_shape() {
                let dims: Vec<i64> = shape.iter().copied().collect();
                let fits = dims.len() == spec.shape.len() && dims.iter().zip(&spec.shape).all(|(a, e)| *e < 0 || *a < 0 || a == e);
                if !fits {
                    return Err(EncodeError::Model(format!(
                        "{what} model: {kind} {:?} has shape {dims:?}, expected {:?} (-1 = any)",
                        spec.name, spec.shape
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models_at(dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("manifest.json"), b"{}").unwrap();
        dir.to_path_buf()
    }

    #[test]
    fn models_lookup_order_is_env_then_package_then_checkout_then_cwd() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let exe = base.join("usr/bin/outfit-studio");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        std::fs::write(&exe, b"").unwrap();
        let mut l = ModelsLookup { env: None, exe: Some(exe), checkout: base.join("src/models"), cwd: base.join("cwd/models") };
        assert_eq!(locate_models(&l), l.cwd, "nothing anywhere: ./models, whose missing manifest names the package");
        let cwd = models_at(&l.cwd);
        assert_eq!(locate_models(&l), cwd);
        let checkout = models_at(&l.checkout);
        assert_eq!(locate_models(&l), checkout);
        let share = models_at(&base.join("usr/share/outfit-studio/models"));
        assert_eq!(locate_models(&l), share);
        let lib = models_at(&base.join("usr/lib/outfit-studio/models"));
        assert_eq!(locate_models(&l), lib);
        // The variable is taken as given, even where it holds nothing: the user asked for that folder.
        l.env = Some(base.join("mine"));
        assert_eq!(locate_models(&l), base.join("mine"));
    }

    #[test]
    fn a_missing_manifest_names_the_package_to_install() {
        let tmp = tempfile::tempdir().unwrap();
        let err = format!("{:#}", Manifest::load(tmp.path()).unwrap_err());
        assert!(err.contains("install the outfit-studio package") && err.contains("OUTFIT_STUDIO_MODELS"), "{err}");
    }
}
