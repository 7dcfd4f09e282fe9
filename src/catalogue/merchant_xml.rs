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
    let line_at = |pos: u64| text.as_bytes()[..(pos as usize).min(text.len())].iter().filter(|b| **b == b'\n').count() + 1;
    loop {
        let pos = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = local_name(e.name().as_ref());
                if name == "item" || name == "entry" {
                    current = Some(Record { line: line_at(pos), fields: Vec::new() });
                } else if current.is_some() {
                    field = Some(name);
                    value.clear();
                }
            }
            Ok(Event::Text(t)) => {
                if field.is_some() {
                    match t.decode() {
                        Ok(s) => value.push_str(&unescape(&s)),
                        Err(e) => errors.push(RowError { line: line_at(pos), field: "text".into(), message: e.to_string() }),
                    }
                }
            }
            Ok(Event::CData(t)) => {
                if field.is_some() {
                    value.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if field.is_some() {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    value.push_str(&unescape(&format!("&{name};")));
                }
            }
            Ok(Event::End(e)) => {
                let name = local_name(e.name().as_ref());
                if name == "item" || name == "entry" {
                    if let Some(r) = current.take() {
                        records.push(r);
                    }
                } else if let (Some(f), Some(r)) = (field.take(), current.as_mut()) {
                    r.fields.push((f, value.trim().to_string()));
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                errors.push(RowError { line: line_at(pos), field: "xml".into(), message: format!("malformed XML, stopped reading: {e}") });
                break;
            }
            _ => {}
        }
    }
    (records, errors)
}

fn local_name(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    s.rsplit(':').next().unwrap_or("").to_string()
}

fn unescape(s: &str) -> String {
    quick_xml::escape::unescape(s).map(|c| c.into_owned()).unwrap_or_else(|_| s.to_string())
}
