//! Decoding feed bytes to text: UTF-8 (with or without BOM), UTF-16 (by BOM), and Latin-1/Windows-1252 as the
//! fallback for files that are not valid UTF-8, which is what spreadsheet exports usually are.

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

/// Decoded text and the name of the encoding it was read as.
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Decoded { text: String::from_utf8_lossy(rest).into_owned(), encoding: "UTF-8 (BOM)" };
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        let (text, _, _) = UTF_16LE.decode(bytes);
        return Decoded { text: text.into_owned(), encoding: "UTF-16LE" };
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        let (text, _, _) = UTF_16BE.decode(bytes);
        return Decoded { text: text.into_owned(), encoding: "UTF-16BE" };
    }
    // UTF-16 without a BOM: mostly-ASCII text has a zero byte in every other position (valid UTF-8, but not text).
    if let Some(big_endian) = bomless_utf16(bytes) {
        let encoding = if big_endian { UTF_16BE } else { UTF_16LE };
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return Decoded { text: text.into_owned(), encoding: encoding.name() };
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded { text: s.to_owned(), encoding: "UTF-8" },
        Err(_) => {
            let (text, _, _) = WINDOWS_1252.decode(bytes);
            Decoded { text: text.into_owned(), encoding: "Windows-1252" }
        }
    }
}

/// Whether the first 4 KiB look like UTF-16 (Some(big endian?)): zero bytes in at least 40% of the odd (LE) or even
/// (BE) positions and almost none in the others.
fn bomless_utf16(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let zeros = |offset: usize| sample.iter().skip(offset).step_by(2).filter(|b| **b == 0).count();
    let (even, odd) = (zeros(0), zeros(1));
    if odd * 10 >= pairs * 4 && even * 10 < pairs {
        Some(false)
    } else if even * 10 >= pairs * 4 && odd * 10 < pairs {
        Some(true)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms_and_latin1() {
        assert_eq!(decode(b"\xEF\xBB\xBFsku").text, "sku");
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("bl\u{e5}".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16).text, "blå");
        let latin1 = decode(b"bl\xe5 kl\xe4nning");
        assert_eq!(latin1.text, "blå klänning");
        assert_eq!(latin1.encoding, "Windows-1252");
    }
}
