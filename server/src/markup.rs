//! Text written into HTML and XML that duijie makes itself (printable fair pages, Atom feeds, the
//! unsubscribe page): one escape for both.

/// `text` as HTML or XML character data or an attribute value: the five markup characters as
/// references, and the control characters XML 1.0 does not allow dropped (HTML does not allow
/// them either).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}
