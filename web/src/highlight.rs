//! Splitting a field's text into plain and highlighted pieces by UTF-16 spans, the unit of the
//! matcher's spans and of JavaScript strings. The pieces become DOM text nodes, never HTML.

use duijie_core::Span;

/// A piece of a field's text, highlighted or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub marked: bool,
}

/// Pieces of `text` with `spans` marked, within a window of at most `max_units` UTF-16 units placed
/// to show the first span; the bools say whether text was cut before and after the window.
pub fn pieces(text: &str, spans: &[Span], max_units: usize) -> (Vec<Piece>, bool, bool) {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut spans: Vec<(usize, usize)> = spans
        .iter()
        .map(|span| (span.start as usize, (span.end as usize).min(units.len())))
        .filter(|(start, end)| start < end)
        .collect();
    spans.sort_unstable();
    let mut window_start = 0;
    if units.len() > max_units {
        if let Some(&(first, _)) = spans.first() {
            window_start = first.saturating_sub(max_units / 4);
        }
        window_start = window_start.min(units.len() - max_units);
    }
    let mut window_end = (window_start + max_units).min(units.len());
    // Never cut a surrogate pair in two.
    if window_start > 0 && is_low_surrogate(units[window_start]) {
        window_start += 1;
    }
    if window_end < units.len() && window_end > 0 && is_low_surrogate(units[window_end]) {
        window_end += 1;
    }
    let mut pieces = Vec::new();
    let mut position = window_start;
    for (start, end) in spans {
        let start = start.clamp(position, window_end);
        let end = end.clamp(start, window_end);
        if start >= end {
            continue;
        }
        if position < start {
            push(&mut pieces, &units[position..start], false);
        }
        push(&mut pieces, &units[start..end], true);
        position = end;
    }
    if position < window_end {
        push(&mut pieces, &units[position..window_end], false);
    }
    (pieces, window_start > 0, window_end < units.len())
}

fn is_low_surrogate(unit: u16) -> bool {
    (0xdc00..0xe000).contains(&unit)
}

fn push(pieces: &mut Vec<Piece>, units: &[u16], marked: bool) {
    pieces.push(Piece {
        text: String::from_utf16_lossy(units),
        marked,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    #[test]
    fn marks_spans_in_utf16_units() {
        // 𠀀 (Extension B) takes two UTF-16 units, so 锂 starts at unit 2.
        let (pieces, cut_before, cut_after) = pieces("𠀀锂电池", &[span(2, 3)], 100);
        let texts: Vec<(&str, bool)> = pieces
            .iter()
            .map(|piece| (piece.text.as_str(), piece.marked))
            .collect();
        assert_eq!(texts, [("𠀀", false), ("锂", true), ("电池", false)]);
        assert!(!cut_before && !cut_after);
    }

    #[test]
    fn overlapping_spans_do_not_repeat_text() {
        let (pieces, _, _) = pieces("abcdef", &[span(1, 4), span(2, 5)], 100);
        let joined: String = pieces.iter().map(|piece| piece.text.as_str()).collect();
        assert_eq!(joined, "abcdef");
    }

    #[test]
    fn window_shows_the_first_span() {
        let text = "x".repeat(300) + "热失控" + &"y".repeat(300);
        let (pieces, cut_before, cut_after) = pieces(&text, &[span(300, 303)], 40);
        assert!(cut_before && cut_after);
        assert!(pieces
            .iter()
            .any(|piece| piece.marked && piece.text == "热失控"));
    }
}
