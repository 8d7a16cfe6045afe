//! Plain text from text that may hold HTML: the one rule for a resource's free-text fields on the
//! way in. Catalogs copied out of web systems carry `<br>`, `<p>` and `&nbsp;`; the service stores
//! and shows text, never HTML, so the markup is turned into the text it stands for.
//!
//! This is not an HTML sanitiser: its output is text, which every page must still insert as text
//! (the widget and the dashboard do). It only undoes what a web editor did to a text.

use std::borrow::Cow;

/// Passes of the rule at most. Text escaped twice over (`&amp;nbsp;`, common in scraped exports)
/// needs two; a text that still changes after this many is refused rather than stored half-read.
pub const MAX_PASSES: usize = 8;

/// A text that still held markup after [`MAX_PASSES`] passes (escaped that many times over).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooDeep;

/// The plain text of `text`, the rule applied until nothing changes:
///
/// - `<br>` (any case, `<br/>`, `<br />`) becomes a line break;
/// - a block tag (`<p>`, `</p>`, `<div>`, `<li>`, `<tr>`, `<h1>`..`<h6>`, `<blockquote>`, ...),
///   opening or closing, becomes a line break unless the text so far is empty or already ends with
///   one, so paragraphs come out one per line;
/// - a table cell's opening tag (`<td>`, `<th>`) becomes a space unless the text so far is empty
///   or ends with white space;
/// - `<script>` and `<style>` elements go with their content; comments (`<!-- -->`) and other
///   tags of HTML (`<span style=…>`, `<a href=…>`, `<b>`, `<img …>`, Word's `<o:p>`) go;
/// - character references are decoded: `&nbsp;` (to a space), `&amp;`, `&lt;`, `&gt;`, `&quot;`,
///   `&apos;`, typographic and Greek letters (`&ldquo;`, `&mdash;`, `&alpha;`, ...), `&#39;` and
///   `&#x4E2D;`.
///
/// Only HTML's own element names make a tag (and namespaced ones, which Word writes), and a tag
/// must close with `>` before any other `<`, so text that merely holds `<` is left as it is:
/// `P<0.05`, `n<p2`, a book title in ASCII brackets (`<经济学家>`, `<Nature>`). A reference must end
/// with `;` and name a known character (`R&D`, `&Reink` stay).
///
/// Applied until nothing changes (at most [`MAX_PASSES`] passes), so the result is a fixed point:
/// the rule leaves its own output alone, and a catalog exported and imported again is unchanged.
/// Linear in the text per pass.
pub fn plain_text(text: &str) -> Result<Cow<'_, str>, TooDeep> {
    let mut current = Cow::Borrowed(text);
    for _ in 0..MAX_PASSES {
        match one_pass(&current) {
            None => return Ok(current),
            Some(next) => current = Cow::Owned(next),
        }
    }
    match one_pass(&current) {
        None => Ok(current),
        Some(_) => Err(TooDeep),
    }
}

/// The length of the character reference the plain-text rule would decode at the start of `text`
/// (`&lt;` gives 4), or `None`. List cells are not split at the `;` that ends one (`jsonl::split_list`).
pub fn reference_len(text: &str) -> Option<usize> {
    text.starts_with('&')
        .then(|| reference(text))
        .flatten()
        .map(|(length, _)| length)
}

/// Tags that become a line break.
const BREAK_TAGS: &[&str] = &["br"];

/// Tags that start or end a block: a line break between blocks.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

/// Tags of a table cell: a space between cells.
const CELL_TAGS: &[&str] = &["td", "th"];

/// Tags whose content goes with them.
const DROPPED_WITH_CONTENT: &[&str] = &["script", "style"];

/// Other tags, dropped.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "body", "caption", "cite", "code", "col",
    "colgroup", "data", "del", "dfn", "em", "font", "head", "html", "i", "img", "ins", "kbd",
    "label", "mark", "meta", "nobr", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
    "sup", "time", "title", "tt", "u", "var", "wbr",
];

/// Named character references decoded, with what they stand for. `&nbsp;` and its kin become an
/// ordinary space: the text is not laid out by a browser that would keep them apart.
const ENTITIES: &[(&str, &str)] = &[
    ("amp", "&"),
    ("AMP", "&"),
    ("lt", "<"),
    ("LT", "<"),
    ("gt", ">"),
    ("GT", ">"),
    ("quot", "\""),
    ("QUOT", "\""),
    ("apos", "'"),
    ("nbsp", " "),
    ("ensp", " "),
    ("emsp", " "),
    ("thinsp", " "),
    ("ideographicspace", "\u{3000}"),
    ("shy", ""),
    ("zwsp", ""),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("sbquo", "‚"),
    ("bdquo", "„"),
    ("laquo", "«"),
    ("raquo", "»"),
    ("lsaquo", "‹"),
    ("rsaquo", "›"),
    ("mdash", "—"),
    ("ndash", "–"),
    ("minus", "−"),
    ("hellip", "…"),
    ("middot", "·"),
    ("bull", "•"),
    ("times", "×"),
    ("divide", "÷"),
    ("plusmn", "±"),
    ("deg", "°"),
    ("permil", "‰"),
    ("prime", "′"),
    ("Prime", "″"),
    ("micro", "µ"),
    ("le", "≤"),
    ("ge", "≥"),
    ("ne", "≠"),
    ("asymp", "≈"),
    ("equiv", "≡"),
    ("infin", "∞"),
    ("radic", "√"),
    ("sum", "∑"),
    ("larr", "←"),
    ("rarr", "→"),
    ("uarr", "↑"),
    ("darr", "↓"),
    ("harr", "↔"),
    ("sup1", "¹"),
    ("sup2", "²"),
    ("sup3", "³"),
    ("frac12", "½"),
    ("frac14", "¼"),
    ("frac34", "¾"),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("sect", "§"),
    ("para", "¶"),
    ("yen", "¥"),
    ("cent", "¢"),
    ("pound", "£"),
    ("euro", "€"),
    ("alpha", "α"),
    ("beta", "β"),
    ("gamma", "γ"),
    ("delta", "δ"),
    ("epsilon", "ε"),
    ("zeta", "ζ"),
    ("eta", "η"),
    ("theta", "θ"),
    ("iota", "ι"),
    ("kappa", "κ"),
    ("lambda", "λ"),
    ("mu", "μ"),
    ("nu", "ν"),
    ("xi", "ξ"),
    ("omicron", "ο"),
    ("pi", "π"),
    ("rho", "ρ"),
    ("sigma", "σ"),
    ("tau", "τ"),
    ("upsilon", "υ"),
    ("phi", "φ"),
    ("chi", "χ"),
    ("psi", "ψ"),
    ("omega", "ω"),
    ("Alpha", "Α"),
    ("Beta", "Β"),
    ("Gamma", "Γ"),
    ("Delta", "Δ"),
    ("Theta", "Θ"),
    ("Lambda", "Λ"),
    ("Pi", "Π"),
    ("Sigma", "Σ"),
    ("Phi", "Φ"),
    ("Psi", "Ψ"),
    ("Omega", "Ω"),
];

/// Longest character reference read, `&` and `;` included (`&#x10FFFF;`, `&ideographicspace;`).
const MAX_REFERENCE_BYTES: usize = 20;

/// One pass of the rule; `None` when it changes nothing.
fn one_pass(text: &str) -> Option<String> {
    if !text.contains(['<', '&']) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    // Searches that failed once fail from any later position too: remembering them keeps a pass
    // linear whatever the text (a thousand `<!--` without `-->`).
    let mut no_comment_end = false;
    let mut no_end_of: Vec<&'static str> = Vec::new();
    // Where the text not yet copied starts.
    let mut copied = 0;
    let mut position = 0;
    while position < bytes.len() {
        let byte = bytes[position];
        if byte != b'<' && byte != b'&' {
            position += 1;
            continue;
        }
        let found = if byte == b'&' {
            reference(&text[position..])
        } else {
            markup(text, position, &mut no_comment_end, &mut no_end_of)
        };
        let Some((length, found)) = found else {
            position += 1;
            continue;
        };
        out.push_str(&text[copied..position]);
        match found {
            Found::Text(decoded) => out.push_str(decoded),
            Found::Char(decoded) => out.push(decoded),
            Found::Nothing => {}
            Found::LineBreak => out.push('\n'),
            Found::Block => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            Found::Cell => {
                if !closing_tag(&text[position..])
                    && !out.is_empty()
                    && !out.ends_with(char::is_whitespace)
                {
                    out.push(' ');
                }
            }
        }
        changed = true;
        position += length;
        copied = position;
    }
    if !changed {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

fn closing_tag(markup: &str) -> bool {
    markup.starts_with("</")
}

/// What a piece of markup stands for.
enum Found {
    Text(&'static str),
    Char(char),
    Nothing,
    LineBreak,
    Block,
    Cell,
}

/// The character reference at the start of `text` (which starts with `&`): its length and what it
/// stands for. As browsers do, a number that is no character (0, a surrogate, past U+10FFFF) gives
/// U+FFFD.
fn reference(text: &str) -> Option<(usize, Found)> {
    let end = text
        .bytes()
        .take(MAX_REFERENCE_BYTES)
        .position(|byte| byte == b';')?;
    let name = &text[1..end];
    let decoded = if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()?
            }
            None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                number.parse::<u32>().ok()?
            }
            _ => return None,
        };
        Found::Char(
            char::from_u32(code)
                .filter(|c| *c != '\0')
                .unwrap_or('\u{fffd}'),
        )
    } else {
        ENTITIES
            .iter()
            .find(|(entity, _)| *entity == name)
            .map(|(_, decoded)| Found::Text(decoded))?
    };
    Some((end + 1, decoded))
}

/// The markup at `position` (a `<`): a comment, a declaration (`<!DOCTYPE …>`) or a tag of HTML,
/// with its length (for `<script>` and `<style>`, through their end tag). `None` for a `<` that
/// starts none of them, which stays as text.
fn markup(
    text: &str,
    position: usize,
    no_comment_end: &mut bool,
    no_end_of: &mut Vec<&'static str>,
) -> Option<(usize, Found)> {
    let rest = &text[position..];
    let after = &rest.as_bytes()[1..];
    if let Some(comment) = rest.strip_prefix("<!--") {
        if *no_comment_end {
            return None;
        }
        return match comment.find("-->") {
            Some(end) => Some((4 + end + 3, Found::Nothing)),
            None => {
                *no_comment_end = true;
                None
            }
        };
    }
    let (closing, name_start) = match after.first() {
        Some(b'/') => (true, 2),
        Some(b'!') => (false, 2),
        _ => (false, 1),
    };
    let name_bytes = &rest.as_bytes()[name_start..];
    if !name_bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let name_length = name_bytes
        .iter()
        .position(|byte| !(byte.is_ascii_alphanumeric() || *byte == b':'))
        .unwrap_or(name_bytes.len());
    // The name must end the tag or be followed by its attributes.
    match name_bytes.get(name_length) {
        Some(b'>' | b'/') => {}
        Some(byte) if byte.is_ascii_whitespace() => {}
        _ => return None,
    }
    // The tag ends at the first `>`, before any other `<`.
    let tail = &rest[name_start + name_length..];
    let close = tail.find(['<', '>'])?;
    if tail.as_bytes()[close] != b'>' {
        return None;
    }
    let length = name_start + name_length + close + 1;
    let name = rest[name_start..name_start + name_length].to_ascii_lowercase();
    if after.first() == Some(&b'!') {
        // A declaration such as <!DOCTYPE html>.
        return (name == "doctype").then_some((length, Found::Nothing));
    }
    let is = |names: &[&str]| names.contains(&name.as_str());
    let found = if is(BREAK_TAGS) {
        Found::LineBreak
    } else if is(BLOCK_TAGS) {
        Found::Block
    } else if is(CELL_TAGS) {
        Found::Cell
    } else if is(INLINE_TAGS) || name.contains(':') {
        // Word writes namespaced tags (<o:p>, <st1:chsdate>) into the HTML it exports.
        Found::Nothing
    } else if let Some(element) = DROPPED_WITH_CONTENT
        .iter()
        .find(|element| **element == name)
    {
        if closing || no_end_of.contains(element) {
            return Some((length, Found::Nothing));
        }
        // Through the end tag, found case-blind, or only the tag when there is none.
        let end_tag = format!("</{element}");
        let after_tag = &rest[length..];
        let end = after_tag
            .as_bytes()
            .windows(end_tag.len())
            .position(|window| window.eq_ignore_ascii_case(end_tag.as_bytes()));
        return match end.and_then(|end| {
            after_tag[end..]
                .find('>')
                .map(|close| length + end + close + 1)
        }) {
            Some(total) => Some((total, Found::Nothing)),
            None => {
                no_end_of.push(element);
                Some((length, Found::Nothing))
            }
        };
    } else {
        return None;
    };
    Some((length, found))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::plain::{plain_text, TooDeep, MAX_PASSES};

    /// Asserts the plain text of each `(input, expected)`.
    fn check(cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            assert_eq!(
                plain_text(input).as_deref(),
                Ok(*expected),
                "plain_text({input:?})"
            );
        }
    }

    #[test]
    fn line_breaks_and_paragraphs() {
        check(&[
            ("第一段<br>第二段", "第一段\n第二段"),
            ("一<BR/>二<br />三<br  clear=\"all\">四", "一\n二\n三\n四"),
            ("一<br><br>二", "一\n\n二"),
            ("<p>第一段</p><p>第二段</p>", "第一段\n第二段\n"),
            ("<P align=\"center\">居中</P>正文", "居中\n正文"),
            ("<div><p>嵌套</p></div>", "嵌套\n"),
            ("<ul><li>一</li><li>二</li></ul>", "一\n二\n"),
            ("<table><tr><td>甲</td><td>乙</td></tr></table>", "甲 乙\n"),
            (
                "进行了试验，现将结果报告如下：<br> 1材料与方法<br> 1.1供试果园",
                "进行了试验，现将结果报告如下：\n 1材料与方法\n 1.1供试果园",
            ),
        ]);
    }

    #[test]
    fn other_tags_comments_and_scripts_go() {
        check(&[
            ("<span style=\"color:red\">红</span>色", "红色"),
            (
                "<b>粗</b><i>斜</i><a href=\"http://x.cn/?a=1&b=2\">链接</a>",
                "粗斜链接",
            ),
            ("<font face='宋体'>字</font><o:p></o:p>", "字"),
            ("<img src=\"a.png\" alt=\"图\">图后", "图后"),
            ("前<!-- 注释 <b>不</b> -->后", "前后"),
            ("<!DOCTYPE html><html><body>正文</body></html>", "正文"),
            ("前<script>alert('<b>x</b>')</script>后", "前后"),
            (
                "前<STYLE type=\"text/css\">p { color: red }</Style>后",
                "前后",
            ),
            ("前<script>没有结束", "前没有结束"),
            ("H<sub>2</sub>O，10<sup>6</sup>", "H2O，106"),
        ]);
    }

    #[test]
    fn references_are_decoded() {
        check(&[
            ("a&nbsp;b&amp;c&lt;d&gt;e&quot;f&apos;g", "a b&c<d>e\"f'g"),
            ("&#39;&#x4E2D;&#X6587;&#20013;", "'中文中"),
            (
                "&ldquo;引号&rdquo;&mdash;&hellip;TNF-&alpha;",
                "“引号”—…TNF-α",
            ),
            ("&#0;&#xD800;&#1114112;", "\u{fffd}\u{fffd}\u{fffd}"),
            // Escaped twice over: read until nothing changes.
            ("&amp;nbsp;&amp;amp;", " &"),
            ("&lt;br&gt;", "\n"),
        ]);
    }

    #[test]
    fn text_that_only_looks_like_markup_stays() {
        check(&[
            ("显著性差异(P<0.05)", "显著性差异(P<0.05)"),
            (
                "国家标准<工业循环冷却水处理设计规范>规定",
                "国家标准<工业循环冷却水处理设计规范>规定",
            ),
            ("期刊<Nature>与<Science>", "期刊<Nature>与<Science>"),
            ("n<p\u{e025}n2", "n<p\u{e025}n2"),
            ("a <pre-war> b <b2b> c", "a <pre-war> b <b2b> c"),
            (
                "R&D，Wr.&Reink)，&unknown;，&;，&#;，&#x;",
                "R&D，Wr.&Reink)，&unknown;，&;，&#;，&#x;",
            ),
            ("<<b>", "<"),
            ("1 < 2 > 0", "1 < 2 > 0"),
            ("<!-- 没有结束", "<!-- 没有结束"),
            ("", ""),
        ]);
    }

    #[test]
    fn text_without_markup_is_not_copied() {
        assert!(matches!(
            plain_text("没有标记的文本"),
            Ok(std::borrow::Cow::Borrowed(_))
        ));
        assert!(matches!(
            plain_text("P<0.05 & R&D"),
            Ok(std::borrow::Cow::Borrowed(_))
        ));
    }

    #[test]
    fn escaped_too_many_times_is_refused() {
        // `&lt;br&gt;` takes two passes (to `<br>`, then to a line break), and one more per escape.
        let escaped = |times: usize| {
            let mut text = "&lt;br&gt;".to_string();
            for _ in 0..times {
                text = text.replace('&', "&amp;");
            }
            text
        };
        assert_eq!(plain_text(&escaped(MAX_PASSES - 2)).as_deref(), Ok("\n"));
        assert_eq!(plain_text(&escaped(MAX_PASSES - 1)), Err(TooDeep));
    }

    /// Long hostile texts take one linear pass each (a quadratic pass would take minutes here).
    #[test]
    fn hostile_texts_are_linear() {
        for unit in ["<!--", "<script>", "<p ", "<p", "&amp", "<b", "&#x"] {
            let text = unit.repeat(200_000);
            let started = std::time::Instant::now();
            let _ = plain_text(&text);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{unit}: {:?}",
                started.elapsed()
            );
        }
    }

    /// Pieces of text and markup, so that generated texts hit tags, references and their near misses.
    fn pieces() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "<",
            ">",
            "&",
            ";",
            "/",
            "!",
            "-",
            "#",
            "x",
            "br",
            "p",
            "b",
            "amp",
            "lt",
            "gt",
            "nbsp",
            "<br>",
            "<p>",
            "</p>",
            "<td>",
            "&amp;",
            "&lt;",
            "&gt;",
            "&#60;",
            "&#x26;",
            "<!--",
            "-->",
            "<script>",
            "</script>",
            "中",
            "文",
            " ",
            "\n",
            "P<0.05",
            "<经济学家>",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        /// The rule's output is a fixed point: applied again it changes nothing, so stored text
        /// survives an export and an import.
        #[test]
        fn the_rule_leaves_its_own_output_alone(text in pieces()) {
            if let Ok(plain) = plain_text(&text) {
                let again = plain_text(&plain);
                prop_assert!(matches!(again, Ok(std::borrow::Cow::Borrowed(_))), "{:?} → {:?} → {:?}", text, plain, again);
            }
        }

        /// Text without `<` or `&` is returned as it is, and any text gives an answer.
        #[test]
        fn plain_text_is_itself(text in "[^<&]*", any in ".*") {
            let plain = plain_text(&text);
            prop_assert_eq!(plain.as_deref(), Ok(text.as_str()));
            let _ = plain_text(&any);
        }
    }
}
