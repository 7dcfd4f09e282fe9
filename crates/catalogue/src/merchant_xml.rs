//! Google Merchant Center XML feeds (RSS 2.0 `<item>` or Atom `<entry>`, fields in the `g:` namespace).

use super::RowError;
use super::records::Record;
use quick_xml::events::Event;

pub fn parse(text: &str) -> (Vec<Record>, Vec<RowError>) {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut current: Option<Record> = None;
    let mut field: Option<String> = None;
    let mut value = String::new();
    // Positions only grow: count newlines incrementally (a rescan from the start per item is quadratic).
    let (mut counted_to, mut newlines) = (0usize, 0usize);
    let mut line_at = |pos: u64| {
        let pos = (pos as usize).min(text.len());
        if pos > counted_to {
            newlines += text.as_bytes()[counted_to..pos].iter().filter(|b| **b == b'\n').count();
            counted_to = pos;
        }
        newlines + 1
    };
    let mut depth = 0usize;
    loop {
        let pos = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                let name = local_name(e.name().as_ref());
                if name == "item" || name == "entry" {
                    current = Some(Record { line: line_at(pos), fields: Vec::new() });
                } else if current.is_some() {
                    field = Some(name);
                    value.clear();
                }
            }
            Ok(Event::Text(t)) if field.is_some() => match t.decode() {
                Ok(s) => value.push_str(&unescape(&s)),
                Err(e) => errors.push(RowError { line: line_at(pos), field: "text".into(), message: printable(&e.to_string()) }),
            },
            Ok(Event::CData(t)) if field.is_some() => {
                value.push_str(&String::from_utf8_lossy(&t));
            }
            Ok(Event::GeneralRef(r)) if field.is_some() => {
                let name = String::from_utf8_lossy(&r).into_owned();
                value.push_str(&unescape(&format!("&{name};")));
            }
            Ok(Event::End(e)) => {
                depth = depth.saturating_sub(1);
                let name = local_name(e.name().as_ref());
                if name == "item" || name == "entry" {
                    if let Some(r) = current.take() {
                        records.push(r);
                    }
                } else if let (Some(f), Some(r)) = (field.take(), current.as_mut()) {
                    r.fields.push((f, value.trim().to_string()));
                }
            }
            Ok(Event::Eof) => {
                // quick-xml ends quietly inside open elements: a cut-off file must not lose its last item silently.
                if let Some(r) = current.take() {
                    let message = "the file ends inside this item (truncated?); item not imported".into();
                    errors.push(RowError { line: r.line, field: "xml".into(), message });
                } else if depth > 0 {
                    let message = "the file ends before its closing tags (truncated?); later items may be missing".into();
                    errors.push(RowError { line: line_at(text.len() as u64), field: "xml".into(), message });
                }
                break;
            }
            Err(e) => {
                let message = printable(&format!("malformed XML, stopped reading: {e}"));
                errors.push(RowError { line: line_at(pos), field: "xml".into(), message });
                break;
            }
            _ => {}
        }
    }
    if records.is_empty() && errors.is_empty() && !text.trim().is_empty() {
        let message = "no <item> or <entry> elements: not a Google Merchant XML feed".into();
        errors.push(RowError { line: 1, field: "xml".into(), message });
    }
    (records, errors)
}

/// quick-xml quotes the offending markup verbatim: escape control characters and keep the first 300 bytes, so a
/// garbage tag prints as one short line.
fn printable(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if out.len() >= 300 {
            out.push('…');
            break;
        }
        if c.is_control() { out.extend(c.escape_default()) } else { out.push(c) }
    }
    out
}

fn local_name(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    s.rsplit(':').next().unwrap_or("").to_string()
}

fn unescape(s: &str) -> String {
    quick_xml::escape::unescape(s).map(|c| c.into_owned()).unwrap_or_else(|_| s.to_string())
}
