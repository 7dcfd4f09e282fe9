//! Format-level parsing: feed text -> generic records (line number + key/value pairs). Mapping keys to item
//! fields is shared by every format and lives in `fields`.

use super::RowError;

/// One row or object of a feed, before its fields are interpreted.
#[derive(Debug, Clone)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<(String, String)>,
}

/// Picks the delimiter that splits the header line into the most columns.
pub fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b'\t', b',', b';', b'|'].into_iter().max_by_key(|d| header.matches(*d as char).count()).unwrap_or(b',')
}

/// The header row's column names (trimmed), also for a file with no data rows.
pub fn header(text: &str, delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(text.as_bytes());
    reader.headers().map(|h| h.iter().map(|s| s.trim().to_string()).collect()).unwrap_or_default()
}

/// Parses delimited text with a header row. Rows with the wrong number of columns are reported and skipped.
pub fn parse_delimited(text: &str, delimiter: u8) -> (Vec<Record>, Vec<RowError>) {
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            errors.push(RowError { line: 1, field: "header".into(), message: format!("unreadable header: {e}") });
            return (records, errors);
        }
    };
    for row in reader.records() {
        match row {
            Ok(row) => {
                let line = row.position().map(|p| p.line() as usize).unwrap_or(0);
                if row.iter().all(|v| v.trim().is_empty()) {
                    continue;
                }
                if row.len() != headers.len() {
                    errors.push(RowError {
                        line,
                        field: "row".into(),
                        message: format!("has {} columns, the header has {}", row.len(), headers.len()),
                    });
                    continue;
                }
                let fields = headers.iter().cloned().zip(row.iter().map(str::to_string)).collect();
                records.push(Record { line, fields });
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                errors.push(RowError { line, field: "row".into(), message: format!("malformed: {e}") });
            }
        }
    }
    (records, errors)
}

/// Parses JSON Lines: one object per line; scalar values become strings, nested values their JSON text.
pub fn parse_jsonl(text: &str) -> (Vec<Record>, Vec<RowError>) {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(serde_json::Value::Object(map)) => {
                let fields = map
                    .into_iter()
                    .map(|(k, v)| {
                        let s = match v {
                            serde_json::Value::String(s) => s,
                            serde_json::Value::Null => String::new(),
                            other => other.to_string(),
                        };
                        (k, s)
                    })
                    .collect();
                records.push(Record { line, fields });
            }
            Ok(_) => errors.push(RowError { line, field: "row".into(), message: "is not a JSON object".into() }),
            Err(e) => errors.push(RowError { line, field: "row".into(), message: format!("invalid JSON: {e}") }),
        }
    }
    (records, errors)
}
