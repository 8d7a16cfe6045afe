//! The one spreadsheet escape: whatever the text, the escaped cell starts with nothing Excel or
//! LibreOffice runs as a formula, and unescaping gives the text back.

use duijie_core::spreadsheet::{escape_cell, unescape_cell};
use proptest::prelude::*;

/// What a spreadsheet may take as the start of a formula, or as a cell to interpret.
const DANGEROUS: [char; 11] = ['=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠'];

fn check_safe(text: &str) -> Result<(), TestCaseError> {
    let cell = escape_cell(text);
    let first = cell.chars().next();
    prop_assert!(
        first.is_none_or(|c| !DANGEROUS.contains(&c)),
        "{:?} -> {:?}",
        text,
        cell
    );
    let visible = cell.trim_start().chars().next();
    prop_assert!(
        visible.is_none_or(|c| !DANGEROUS.contains(&c)),
        "{:?} -> {:?}",
        text,
        cell
    );
    prop_assert_eq!(unescape_cell(&cell), text);
    Ok(())
}

/// Texts made mostly of the characters that matter here.
fn tricky() -> impl Strategy<Value = String> {
    let alphabet = vec![
        '=', '+', '-', '@', '\t', '\r', '\n', ' ', '\u{3000}', '\'', '＝', '＋', '－', '＠', 'A',
        '1', '(', '锂', '|', '"', ',',
    ];
    prop::collection::vec(prop::sample::select(alphabet), 0..8)
        .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_text_is_safe_and_round_trips(text in any::<String>()) {
        check_safe(&text)?;
    }

    #[test]
    fn tricky_text_is_safe_and_round_trips(text in tricky()) {
        check_safe(&text)?;
    }

    /// Text that starts with a letter, digit or Han character is left as it is.
    #[test]
    fn plain_text_is_unchanged(text in "[A-Za-z0-9锂电池][^\\n]{0,20}") {
        prop_assert_eq!(escape_cell(&text), text.as_str());
    }
}

#[test]
fn examples() {
    for (text, cell) in [
        ("=1+2", "'=1+2"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("  =1", "'  =1"),
        ("\u{3000}＝1", "'\u{3000}＝1"),
        ("'abc", "''abc"),
        ("锂电池", "锂电池"),
        ("a=b", "a=b"),
        ("", ""),
    ] {
        assert_eq!(escape_cell(text), cell, "{text:?}");
        assert_eq!(unescape_cell(cell), text, "{cell:?}");
    }
}
