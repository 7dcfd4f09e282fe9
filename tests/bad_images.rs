//! Issue 7, bad images: missing, empty, truncated, mislabelled, gigantic, CMYK, 16-bit and animated images through
//! `catalogue::images::{check, load_rgba}`, import (the item imports, its image marked) and indexing with the real
//! encoders (an image that fails to decode is marked corrupt and the item gets text-only features).

use image::{ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use outfit_studio::catalogue::ImageStatus;
use outfit_studio::catalogue::images::{MAX_DIMENSION, check, load_rgba};
use outfit_studio::encode::manifest::default_models_dir;
use outfit_studio::engine::Engine;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend(kind);
    out.extend(data);
    let crc = crc32(&out[start..]);
    out.extend(crc.to_be_bytes());
}

/// A PNG whose header claims `w`x`h` (colour type 2 = RGB, or 6 = RGBA) with a few bytes of compressed data: what
/// a decompression bomb or a corrupt header looks like. Costs nothing to build.
fn png_claiming(w: u32, h: u32, colour_type: u8) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, colour_type, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A minimal baseline 8x8 four-component (CMYK, Adobe transform 0) JPEG: every block is DC 0 / end-of-block, so
/// the scan is one zero byte. The `image` crate cannot encode CMYK, and this is all a decoder needs.
fn cmyk_jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend([0xFF, 0xEE, 0x00, 0x0E]);
    j.extend(b"Adobe");
    j.extend([0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]); // version 100, flags, transform 0 (CMYK)
    j.extend([0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend([1u8; 64]);
    j.extend([0xFF, 0xC0, 0x00, 0x14, 8, 0x00, 0x08, 0x00, 0x08, 4]);
    for id in 1..=4u8 {
        j.extend([id, 0x11, 0x00]);
    }
    for class in [0x00u8, 0x10] {
        // One 1-bit code: DC category 0, or AC end-of-block.
        j.extend([0xFF, 0xC4, 0x00, 0x14, class, 1]);
        j.extend([0u8; 15]);
        j.push(0x00);
    }
    j.extend([0xFF, 0xDA, 0x00, 0x0E, 4]);
    for id in 1..=4u8 {
        j.extend([id, 0x00]);
    }
    j.extend([0, 63, 0]);
    j.push(0x00); // 4 blocks x (DC '0' + EOB '0')
    j.extend([0xFF, 0xD9]);
    j
}

fn jpeg_of(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn demo_png() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/images/KD-000001.png")).unwrap()
}

struct Case {
    name: &'static str,
    file: &'static str,
    /// What the cheap header check at import says.
    status: ImageStatus,
    /// Whether a full decode succeeds (None: either is acceptable, e.g. a lenient decoder on a truncated JPEG).
    decodes: Option<bool>,
}

/// Writes every case into `dir`; returns the cases.
fn write_cases(dir: &Path) -> Vec<Case> {
    let w = |f: &str, b: &[u8]| std::fs::write(dir.join(f), b).unwrap();
    let png = demo_png();
    let photo = load_rgba(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/images/KD-000001.png")).unwrap();
    let jpeg = jpeg_of(&image::DynamicImage::ImageRgba8(photo).to_rgb8());
    w("good.png", &png);
    w("zero.png", b"");
    w("truncated.png", &png[..png.len() / 3]);
    w("truncated.jpg", &jpeg[..jpeg.len() / 3]);
    w("header-only.jpg", &jpeg[..200.min(jpeg.len())]);
    w("text.jpg", b"<html><body>404 Not Found</body></html>");
    w("png-named.jpg", &png);
    w("huge-20000.png", &png_claiming(20_000, 20_000, 2));
    w("huge-12000-rgba.png", &png_claiming(MAX_DIMENSION, MAX_DIMENSION, 6));
    w("zero-width.png", &png_claiming(0, 10, 2));
    w("cmyk.jpg", &cmyk_jpeg());
    image::ImageBuffer::<Rgb<u16>, Vec<u16>>::from_fn(6, 4, |x, y| Rgb([x as u16 * 10_000, y as u16 * 20_000, 65_535]))
        .save(dir.join("sixteen-bit.png"))
        .unwrap();
    image::ImageBuffer::<image::LumaA<u16>, Vec<u16>>::from_fn(5, 5, |x, _| image::LumaA([x as u16 * 9000, 40_000]))
        .save(dir.join("sixteen-bit-grey-alpha.png"))
        .unwrap();
    {
        let f = std::fs::File::create(dir.join("animated.gif")).unwrap();
        let mut enc = image::codecs::gif::GifEncoder::new(f);
        enc.set_repeat(image::codecs::gif::Repeat::Infinite).unwrap();
        let frames = (0..3u8).map(|i| {
            image::Frame::from_parts(
                RgbaImage::from_pixel(7, 5, Rgba([i * 80, 0, 0, 255])),
                0,
                0,
                image::Delay::from_numer_denom_ms(100, 1),
            )
        });
        enc.encode_frames(frames).unwrap();
    }
    use ImageStatus as S;
    let c = |name, file, status, decodes| Case { name, file, status, decodes };
    vec![
        c("good PNG", "good.png", S::Ok, Some(true)),
        c("missing file", "missing.png", S::Missing, Some(false)),
        c("zero-byte file", "zero.png", S::Corrupt, Some(false)),
        c("truncated PNG", "truncated.png", S::Ok, Some(false)),
        c("truncated JPEG", "truncated.jpg", S::Ok, None),
        c("JPEG cut after its header", "header-only.jpg", S::Corrupt, Some(false)),
        c("HTML with a .jpg name", "text.jpg", S::Corrupt, Some(false)),
        c("PNG with a .jpg name", "png-named.jpg", S::Ok, Some(true)),
        c("PNG header claiming 20000x20000", "huge-20000.png", S::Corrupt, Some(false)),
        c("PNG header claiming 12000x12000 RGBA (576 MB)", "huge-12000-rgba.png", S::Ok, Some(false)),
        c("PNG header claiming width 0", "zero-width.png", S::Corrupt, Some(false)),
        c("CMYK JPEG", "cmyk.jpg", S::Ok, Some(true)),
        c("16-bit RGB PNG", "sixteen-bit.png", S::Ok, Some(true)),
        c("16-bit grey+alpha PNG", "sixteen-bit-grey-alpha.png", S::Ok, Some(true)),
        c("animated GIF", "animated.gif", S::Ok, Some(true)),
    ]
}

#[test]
fn check_and_load_rgba_on_bad_images() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = write_cases(tmp.path());
    for case in &cases {
        let p = tmp.path().join(case.file);
        assert_eq!(check(&p), case.status, "check: {}", case.name);
        let t = Instant::now();
        let loaded = load_rgba(&p);
        assert!(t.elapsed() < Duration::from_secs(5), "{}: decoding took {:?}", case.name, t.elapsed());
        if let Some(expected) = case.decodes {
            assert_eq!(loaded.is_ok(), expected, "load_rgba: {}: {:?}", case.name, loaded.as_ref().err());
        }
        if let Err(e) = &loaded {
            let msg = format!("{e:#}");
            assert!(msg.len() < 500 && msg.contains(case.file), "{}: {msg}", case.name);
        }
    }
    // Conversions: CMYK, 16-bit and animated images come back as RGBA8 of their size (first frame).
    let dims = |f: &str| load_rgba(&tmp.path().join(f)).unwrap().dimensions();
    assert_eq!(dims("cmyk.jpg"), (8, 8));
    assert_eq!(dims("sixteen-bit.png"), (6, 4));
    assert_eq!(dims("sixteen-bit-grey-alpha.png"), (5, 5));
    assert_eq!(dims("animated.gif"), (7, 5));
    let first = load_rgba(&tmp.path().join("animated.gif")).unwrap();
    assert_eq!(first.get_pixel(3, 3), &Rgba([0, 0, 0, 255]), "the first frame");
    let sixteen = load_rgba(&tmp.path().join("sixteen-bit.png")).unwrap();
    assert_eq!(sixteen.get_pixel(0, 0)[2], 255, "16-bit values scaled to 8 bits");
    // The oversized headers are refused by the limits before any pixel buffer is allocated.
    let err = format!("{:#}", load_rgba(&tmp.path().join("huge-20000.png")).unwrap_err());
    assert!(err.contains("limit") || err.contains("dimension"), "{err}");
    let err = format!("{:#}", load_rgba(&tmp.path().join("huge-12000-rgba.png")).unwrap_err());
    assert!(err.contains("limit") || err.contains("memory"), "{err}");
}

fn feed(dir: &Path, cases: &[Case]) -> PathBuf {
    let mut s = String::from("sku,title,category,image\n");
    for (i, c) in cases.iter().enumerate() {
        s.push_str(&format!("IMG{i:02},Tee {},T-shirts,{}\n", c.name, c.file));
    }
    let p = dir.join("feed.csv");
    std::fs::write(&p, s).unwrap();
    p
}

#[test]
fn items_with_bad_images_import_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = write_cases(tmp.path());
    let mut e = Engine::open(&tmp.path().join("s.db"), &default_models_dir()).unwrap();
    let s = e.import(&feed(tmp.path(), &cases)).unwrap();
    assert_eq!((s.rows_ok, s.errors.len()), (cases.len(), 0), "every item imports: {:?}", s.errors);
    for (i, c) in cases.iter().enumerate() {
        let it = &e.item_by_sku(&format!("IMG{i:02}")).unwrap().item;
        assert_eq!(it.image_status, c.status, "{}", c.name);
        let warned = s.warnings.iter().any(|w| w.line == i + 2 && w.field == "image");
        assert_eq!(warned, !c.status.usable(), "{}: a warning names line {} and the image field", c.name, i + 2);
    }
}

#[test]
fn indexing_marks_undecodable_images_and_keeps_the_items_usable() {
    // Only a few items: the real encoders run on each.
    let tmp = tempfile::tempdir().unwrap();
    let all = write_cases(tmp.path());
    let keep = ["good.png", "truncated.png", "cmyk.jpg", "sixteen-bit.png", "animated.gif", "zero.png"];
    let cases: Vec<Case> = all.into_iter().filter(|c| keep.contains(&c.file)).collect();
    let mut e = Engine::open(&tmp.path().join("s.db"), &default_models_dir()).unwrap();
    e.import(&feed(tmp.path(), &cases)).unwrap();
    let stats = e.index_catalogue(8, &mut |_| {}, &|| false).expect("indexing never fails on a bad image");
    assert_eq!(stats.encoded, cases.len());
    let truncated = cases.iter().position(|c| c.file == "truncated.png").unwrap();
    let sku = format!("IMG{truncated:02}");
    assert_eq!(stats.image_errors.len(), 1, "{:?}", stats.image_errors);
    assert_eq!(stats.image_errors[0].0, sku);
    assert_eq!(stats.text_only, 2, "the truncated PNG and the empty file");
    let feats = e.store().load_features(&e.encoder_key()).unwrap();
    for (i, c) in cases.iter().enumerate() {
        let it = e.item_by_sku(&format!("IMG{i:02}")).unwrap();
        let f = &feats[&it.id];
        let has_image = !matches!(c.file, "truncated.png" | "zero.png");
        assert_eq!(f.image.is_some(), has_image, "{}", c.name);
        assert!(f.text.iter().all(|x| x.is_finite()) && f.image.iter().flatten().all(|x| x.is_finite()), "{}", c.name);
    }
    // The truncated PNG passed the header check at import; indexing found it broken and marked it.
    assert_eq!(e.item_by_sku(&sku).unwrap().item.image_status, ImageStatus::Corrupt);
    // Every item, broken image or not, is scored and judged like any other.
    let ids: Vec<i64> = (0..cases.len()).map(|i| e.item_by_sku(&format!("IMG{i:02}")).unwrap().id).collect();
    let score = e.score_outfit(&ids).unwrap();
    assert!(score.probability.is_finite() && score.pairs.iter().all(|p| p.raw.is_finite()));
    let skus: Vec<String> = [truncated, 0].iter().map(|i| format!("IMG{i:02}")).collect();
    e.judge(&skus, outfit_studio::store::Verdict::Accept, "ana", outfit_studio::store::JudgementSource::Manual, &[], None).unwrap();
    // Re-indexing does not retry the broken image for ever: the item is fresh.
    let again = e.index_catalogue(8, &mut |_| {}, &|| false).unwrap();
    assert_eq!((again.encoded, again.already_fresh), (0, cases.len()));
}

#[test]
#[ignore = "prints what each case does, for the report"]
fn report_cases() {
    let tmp = tempfile::tempdir().unwrap();
    for c in write_cases(tmp.path()) {
        let p = tmp.path().join(c.file);
        let r = load_rgba(&p).map(|i| i.dimensions());
        eprintln!("{:<48} check={:<8} load_rgba={:?}", c.name, check(&p).as_str(), r.map_err(|e| format!("{e:#}")));
    }
}
