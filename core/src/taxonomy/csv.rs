//! A small CSV reader for the taxonomy tables compiled into the crate.
//!
//! It follows RFC 4180: fields are separated by commas, a field may be wrapped in double quotes, and
//! inside quotes a doubled quote stands for one quote and commas and line breaks are literal.

/// A parsed table: the header and the data rows, in file order.
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn parse(text: &str) -> Table {
        let mut records = parse_records(text.strip_prefix('\u{feff}').unwrap_or(text));
        let header = if records.is_empty() {
            Vec::new()
        } else {
            records.remove(0)
        };
        Table {
            header,
            rows: records,
        }
    }

    /// The position of a column; the tables are compiled in, so a missing column is a bug.
    pub(crate) fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|column| column == name)
            .unwrap_or_else(|| panic!("taxonomy table has no column {name:?}"))
    }

    pub(crate) fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }
}

/// The field of a row, or the empty string when the row is short.
pub(crate) fn field(row: &[String], column: usize) -> &str {
    row.get(column).map(String::as_str).unwrap_or("")
}

fn parse_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(character) = chars.next() {
        if in_quotes {
            if character == '"' {
                if chars.peek() == Some(&'"') {
                    current.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                current.push(character);
            }
            continue;
        }
        match character {
            '"' => in_quotes = true,
            ',' => record.push(std::mem::take(&mut current)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut current));
                push_record(&mut records, std::mem::take(&mut record));
            }
            _ => current.push(character),
        }
    }
    if !current.is_empty() || !record.is_empty() {
        record.push(current);
        push_record(&mut records, record);
    }
    records
}

/// Blank lines are skipped: they carry no record.
fn push_record(records: &mut Vec<Vec<String>>, record: Vec<String>) {
    if !(record.len() == 1 && record[0].is_empty()) {
        records.push(record);
    }
}

#[cfg(test)]
mod tests {
    use crate::taxonomy::csv::Table;

    #[test]
    fn quoted_fields() {
        let table = Table::parse("a,b,c\n1,\"x, \"\"y\"\"\",3\r\n\n4,,\"\"\n");
        assert_eq!(table.rows().len(), 2);
        assert_eq!(table.rows()[0], vec!["1", "x, \"y\"", "3"]);
        assert_eq!(table.rows()[1], vec!["4", "", ""]);
        assert_eq!(table.column("c"), 2);
    }
}
