//! A small CSV reader for the taxonomy tables compiled into the crate.
//!
//! It follows RFC 4180: fields are separated by commas, a field may be wrapped in double quotes, and
//! inside quotes a doubled quote stands for one quote and commas and line breaks are literal. Fields
//! borrow from the text unless they contain an escaped quote, because the tables are parsed at page
//! load in the browser and allocation is the main cost.

use std::borrow::Cow;

/// A parsed table: the header and the data rows, in file order, stored flat.
pub(crate) struct Table<'a> {
    header: Vec<Cow<'a, str>>,
    fields: Vec<Cow<'a, str>>,
}

impl<'a> Table<'a> {
    pub(crate) fn parse(text: &'a str) -> Table<'a> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut records = Records { text, position: 0 };
        let header = records.next().unwrap_or_default();
        let n_columns = header.len().max(1);
        let mut fields = Vec::with_capacity(text.len() / 8);
        for mut record in records {
            // Short rows are padded and long rows cut so that every row has the header's width.
            record.resize(n_columns, Cow::Borrowed(""));
            fields.extend(record);
        }
        Table { header, fields }
    }

    /// The position of a column; the tables are compiled in, so a missing column is a bug.
    pub(crate) fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|column| column == name)
            .unwrap_or_else(|| panic!("taxonomy table has no column {name:?}"))
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = &[Cow<'a, str>]> + Clone + '_ {
        self.fields.chunks(self.header.len().max(1))
    }

    pub(crate) fn n_rows(&self) -> usize {
        self.fields.len() / self.header.len().max(1)
    }
}

/// The field of a row, or the empty string when the row is short.
pub(crate) fn field<'r>(row: &'r [Cow<'_, str>], column: usize) -> &'r str {
    row.get(column).map(|value| value.as_ref()).unwrap_or("")
}

/// Records of a CSV text, skipping blank lines.
struct Records<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = Vec<Cow<'a, str>>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        loop {
            if self.position >= bytes.len() {
                return None;
            }
            let mut record = Vec::new();
            loop {
                let (value, end) = read_field(self.text, self.position);
                record.push(value);
                self.position = end;
                match bytes.get(end) {
                    Some(b',') => self.position += 1,
                    Some(b'\r') if bytes.get(end + 1) == Some(&b'\n') => {
                        self.position += 2;
                        break;
                    }
                    Some(b'\n' | b'\r') => {
                        self.position += 1;
                        break;
                    }
                    _ => break,
                }
            }
            if !(record.len() == 1 && record[0].is_empty()) {
                return Some(record);
            }
        }
    }
}

/// One field starting at byte `start`: its value and the byte where it ends (a separator or the end).
fn read_field(text: &str, start: usize) -> (Cow<'_, str>, usize) {
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&b'"') {
        let end = bytes[start..]
            .iter()
            .position(|&byte| matches!(byte, b',' | b'\n' | b'\r'))
            .map_or(bytes.len(), |offset| start + offset);
        return (Cow::Borrowed(&text[start..end]), end);
    }
    let mut owned: Option<String> = None;
    let mut segment_start = start + 1;
    let mut position = start + 1;
    while position < bytes.len() {
        if bytes[position] == b'"' {
            if bytes.get(position + 1) == Some(&b'"') {
                // An escaped quote: keep the text so far and one quote, then continue.
                owned
                    .get_or_insert_with(String::new)
                    .push_str(&text[segment_start..=position]);
                position += 2;
                segment_start = position;
                continue;
            }
            let value = match owned {
                Some(mut value) => {
                    value.push_str(&text[segment_start..position]);
                    Cow::Owned(value)
                }
                None => Cow::Borrowed(&text[segment_start..position]),
            };
            // Anything between the closing quote and the next separator is malformed; it is skipped.
            let end = bytes[position + 1..]
                .iter()
                .position(|&byte| matches!(byte, b',' | b'\n' | b'\r'))
                .map_or(bytes.len(), |offset| position + 1 + offset);
            return (value, end);
        }
        position += 1;
    }
    // An unterminated quote runs to the end of the text.
    let mut value = owned.unwrap_or_default();
    value.push_str(&text[segment_start..]);
    (Cow::Owned(value), bytes.len())
}

#[cfg(test)]
mod tests {
    use crate::taxonomy::csv::Table;

    #[test]
    fn quoted_fields() {
        let table = Table::parse("a,b,c\n1,\"x, \"\"y\"\"\",3\r\n\n4,,\"\"\n5,\"multi\nline\"\n");
        let rows: Vec<Vec<&str>> = table
            .rows()
            .map(|row| row.iter().map(|field| field.as_ref()).collect())
            .collect();
        assert_eq!(
            rows,
            vec![
                vec!["1", "x, \"y\"", "3"],
                vec!["4", "", ""],
                vec!["5", "multi\nline", ""]
            ]
        );
        assert_eq!(table.column("c"), 2);
        assert_eq!(table.n_rows(), 3);
    }

    #[test]
    fn no_trailing_newline() {
        let table = Table::parse("a,b\n1,2");
        assert_eq!(table.rows().next().map(|row| row[1].as_ref()), Some("2"));
    }
}
