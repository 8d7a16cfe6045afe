//! Text cells for spreadsheets: the one escape every CSV the project writes applies (the server's
//! statistics, the widget's shortlist), so that Excel or LibreOffice never runs a cell as a formula.
//!
//! This is the output side. Imports refuse formula-like values outright (the server's import checks);
//! what is written here is any text, so it is escaped instead.

use std::borrow::Cow;

/// A cell that a spreadsheet shows as the text it is, never runs: OWASP's advice for CSV injection,
/// a leading `'` before a cell that starts with `=`, `+`, `-`, `@`, a tab, a carriage return or a
/// line feed, or that does so after leading white space (spreadsheets may skip it), full-width signs
/// included (`＝`, `＋`, `－`, `＠`, which an input method may turn into formulas). A cell starting
/// with `'` gets one more, so that [`unescape_cell`] gives back exactly the text (resource ids may
/// start with `-`, and a title may start with `'`).
pub fn escape_cell(text: &str) -> Cow<'_, str> {
    if needs_escape(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text of an escaped cell: `escape_cell` undone.
pub fn unescape_cell(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// Characters that start a formula, or a cell a spreadsheet may read as one.
const FORMULA_STARTS: [char; 8] = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];

fn needs_escape(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if matches!(first, '\'' | '\t' | '\r' | '\n') || FORMULA_STARTS.contains(&first) {
        return true;
    }
    text.trim_start()
        .chars()
        .next()
        .is_some_and(|c| FORMULA_STARTS.contains(&c))
}
