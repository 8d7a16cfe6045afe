//! How people write needs, and what in a need's text is evidence.
//!
//! Enterprises and brokers write needs in three ways: a colloquial statement with company context
//! (我们是佛山的建筑陶瓷厂……想找余热回收方面的专家), the formal 技术需求 form (需求名称：…。需求描述：…。
//! 预期目标：…。合作方式：…), and a short fragment. The form's labels are structure, not text: the
//! name is a title, the description and goals are the text, the cooperation modes are modes, the
//! budget and contacts say nothing of the problem. And what an enterprise says about itself and its
//! asking (我们是……的公司, 想找, 需要……专家) is no evidence of what would serve it.
//!
//! `read_need` splits a need's text into weighted pieces: each byte of the text gets a weight that
//! the terms covering it take (1 for the problem and a form's name, a half for a form's goals, 0
//! for labels, budgets and the talk about the asker). It is language knowledge, not catalog
//! knowledge: the same for any catalog.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::index::FxMap;
use crate::model::{Mode, Need};
use crate::text::{is_han, normalize_char};

/// The weight of a term of the form's goals (预期目标, 技术指标): what success would look like
/// (numbers, dates, savings) says less of the problem than its description. The form's name
/// (需求名称) weighs as the description does: it restates the problem, so its words are said
/// twice and weigh more for that (`1 + ln n`, in the matcher's `analyze`); a weight of its own
/// on top counted them twice over (eval-dev, the form needs: nDCG@10 0.8585 with the name at 1.5
/// and goals at 1, 0.8621 with the name at 1, 0.8672 with goals at a half too).
pub const GOAL_WEIGHT: f64 = 0.5;

/// A need's text, read: the weight of each byte (terms take the weight of the bytes they cover),
/// and what the form's fields say besides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NeedText {
    /// Per byte of the text: how much a term there counts (0 for no evidence).
    pub weights: Vec<f32>,
    /// The modes a form's 合作方式 names.
    pub modes: Vec<Mode>,
    /// The form's name (需求名称), when the text is a form.
    pub title: Option<String>,
    /// The form's budget (预算, 经费), as written.
    pub budget: Option<String>,
}

impl NeedText {
    /// The weight of a term covering `start..end`: the smallest weight of its bytes, so that a pair
    /// of one character of talk and one of the problem (找余 in 想找余热) counts for nothing: it is
    /// no word of the need.
    pub fn weight(&self, start: usize, end: usize) -> f64 {
        let Some(bytes) = self.weights.get(start..end.min(self.weights.len())) else {
            return 1.0;
        };
        if bytes.is_empty() {
            return 1.0;
        }
        let least = bytes.iter().copied().fold(f32::INFINITY, f32::min);
        f64::from(least.max(0.0))
    }
}

/// What a form's field is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Title,
    Text,
    Goal,
    Modes,
    Budget,
    /// Contacts, dates, the enterprise's name, its industry and place: structure, not the problem.
    Other,
}

/// The form's labels, as enterprises and platforms write them (the longest first where one starts
/// another). A label counts only at the start of the text or of a sentence, before a colon.
const LABELS: &[(&str, Field)] = &[
    ("技术需求名称", Field::Title),
    ("需求名称", Field::Title),
    ("需求标题", Field::Title),
    ("项目名称", Field::Title),
    ("需求描述", Field::Text),
    ("需求内容", Field::Text),
    ("需求说明", Field::Text),
    ("需求背景", Field::Text),
    ("问题描述", Field::Text),
    ("技术难题", Field::Text),
    ("技术难点", Field::Text),
    ("现有基础", Field::Text),
    ("预期目标", Field::Goal),
    ("预期效果", Field::Goal),
    ("技术指标", Field::Goal),
    ("主要指标", Field::Goal),
    ("应用场景", Field::Text),
    ("合作方式", Field::Modes),
    ("合作模式", Field::Modes),
    ("合作形式", Field::Modes),
    ("预算金额", Field::Budget),
    ("投入预算", Field::Budget),
    ("拟投入资金", Field::Budget),
    ("投入经费", Field::Budget),
    ("预算", Field::Budget),
    ("经费", Field::Budget),
    ("企业名称", Field::Other),
    ("单位名称", Field::Other),
    ("所属行业", Field::Other),
    ("所在地区", Field::Other),
    ("所在地", Field::Other),
    ("截止日期", Field::Other),
    ("截止时间", Field::Other),
    ("有效期", Field::Other),
    ("联系人", Field::Other),
    ("联系电话", Field::Other),
    ("联系方式", Field::Other),
    ("电子邮箱", Field::Other),
];

/// Words of the cooperation modes, as a form's 合作方式 writes them.
const MODE_WORDS: &[(&str, Mode)] = &[
    ("转让", Mode::Transfer),
    ("购买", Mode::Transfer),
    ("许可", Mode::License),
    ("授权", Mode::License),
    ("联合攻关", Mode::JointRd),
    ("联合研发", Mode::JointRd),
    ("联合开发", Mode::JointRd),
    ("合作研发", Mode::JointRd),
    ("合作开发", Mode::JointRd),
    ("合作研究", Mode::JointRd),
    ("委托开发", Mode::JointRd),
    ("委托研发", Mode::JointRd),
    ("委托研究", Mode::JointRd),
    ("共建", Mode::JointRd),
    ("咨询", Mode::Consulting),
    ("技术服务", Mode::Consulting),
    ("规划", Mode::Consulting),
    ("培训", Mode::Training),
    ("入股", Mode::Equity),
    ("投资", Mode::Equity),
    ("推广", Mode::Promotion),
    ("示范", Mode::Promotion),
];

/// What an enterprise writes about itself and about its asking: no evidence of what would serve
/// it. Whole words, matched where they stand; the longest first where one starts another.
const TALK: &[&str] = &[
    // Who asks.
    "我们单位",
    "我们公司",
    "我们是",
    "我们在",
    "我们",
    "我是",
    "我司",
    "我公司",
    "本公司",
    "我厂",
    "本厂",
    "我院",
    "我县",
    "我区",
    "我市",
    "我局",
    "我所",
    "我校",
    "我单位",
    "本单位",
    "我部",
    "一家",
    "小公司",
    "公司",
    "企业",
    "单位",
    "厂家",
    // What they ask for, and how.
    "想找",
    "想请",
    "想要",
    "想了解",
    "想试着",
    "寻找",
    "寻求",
    "急需",
    "需要",
    "希望",
    "请求",
    "求助",
    "帮忙",
    "帮我们",
    "帮助",
    "有没有",
    "能不能",
    "能否",
    "是否",
    "最好",
    "专家",
    "团队",
    "方面",
    "指导",
    "合作",
    "对接",
    "提供",
    "听说",
    "不清楚",
    "不知道",
    "怎么",
    "如何",
];

/// The text a need is matched by: its name (需求名称) as a form's name, then its text.
pub fn matching_text(need: &Need) -> Cow<'_, str> {
    if need.title.trim().is_empty() {
        Cow::Borrowed(&need.text)
    } else {
        Cow::Owned(format!("需求名称：{}。{}", need.title.trim(), need.text))
    }
}

/// Read a need's text: see the module's documentation.
pub fn read_need(text: &str) -> NeedText {
    let mut weights = vec![1.0f32; text.len()];
    let mut need = NeedText::default();
    // The form's fields: where each label starts, its field, and where its value starts.
    let mut fields: Vec<(usize, Field, usize)> = Vec::new();
    let mut at_start = true;
    let mut chars = text.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        if at_start {
            if let Some((label, field)) = LABELS
                .iter()
                .find(|(label, _)| text[offset..].starts_with(label))
            {
                let after = offset + label.len();
                let colon = text[after..]
                    .chars()
                    .next()
                    .filter(|&c| matches!(normalize_char(c), ':'));
                if let Some(colon) = colon {
                    fields.push((offset, *field, after + colon.len_utf8()));
                }
            }
        }
        at_start = matches!(c, '。' | '；' | ';' | '\n' | '\r') || (c == ' ' && offset == 0);
        if at_start {
            // Spaces after a sentence's end still leave the next label at a sentence's start.
            while let Some(&(_, next)) = chars.peek() {
                if next == ' ' || next == '\u{3000}' {
                    chars.next();
                } else {
                    break;
                }
            }
        }
    }
    for (number, &(label_start, field, value_start)) in fields.iter().enumerate() {
        let value_end = fields
            .get(number + 1)
            .map_or(text.len(), |&(next, _, _)| next);
        // The label and its colon are no text.
        weights[label_start..value_start].fill(-1.0);
        let value = text[value_start..value_end].trim_end_matches(['。', '；', ';', ' ', '\n']);
        match field {
            Field::Title => {
                need.title.get_or_insert_with(|| value.trim().to_string());
            }
            Field::Text => {}
            Field::Goal => weights[value_start..value_end].fill(GOAL_WEIGHT as f32),
            Field::Modes => {
                weights[value_start..value_end].fill(-1.0);
                for (word, mode) in MODE_WORDS {
                    if value.contains(word) && !need.modes.contains(mode) {
                        need.modes.push(*mode);
                    }
                }
                // A budget written in the modes' field (合作方式：联合攻关，经费约50万元).
                if let Some(at) = ["经费", "预算"].iter().filter_map(|w| value.find(w)).min() {
                    need.budget
                        .get_or_insert_with(|| value[at..].trim().to_string());
                }
            }
            Field::Budget => {
                weights[value_start..value_end].fill(-1.0);
                need.budget.get_or_insert_with(|| value.trim().to_string());
            }
            Field::Other => weights[value_start..value_end].fill(-1.0),
        }
    }
    // Talk: whole words of `TALK` in Han runs, where they stand, only where something of the need
    // is left without them (a need that is only talk, 专家, is about it). Places stay evidence: a
    // Yunnan earthquake bureau is served best by a study of Yunnan's earthquakes.
    let before_talk = weights.clone();
    let talk = talk_by_first();
    let mut offset = 0;
    while offset < text.len() {
        let rest = &text[offset..];
        let Some(c) = rest.chars().next() else { break };
        if is_han(c) {
            let words = talk.get(&c).map_or(&[][..], Vec::as_slice);
            if let Some(word) = words.iter().find(|word| rest.starts_with(*word)) {
                for weight in &mut weights[offset..offset + word.len()] {
                    if *weight > 0.0 {
                        *weight = 0.0;
                    }
                }
                offset += word.len();
                continue;
            }
        }
        offset += c.len_utf8();
    }
    if !has_evidence(text, &weights) {
        weights = before_talk;
    }
    need.weights = weights;
    need
}

/// Whether any letter, digit or Han character of `text` still weighs something.
fn has_evidence(text: &str, weights: &[f32]) -> bool {
    text.char_indices()
        .any(|(offset, c)| c.is_alphanumeric() && weights[offset] > 0.0)
}

/// The words of `TALK` by their first character, each list in `TALK`'s order (so the longest
/// still comes first where one starts another): a character that starts none is passed at once.
fn talk_by_first() -> &'static FxMap<char, Vec<&'static str>> {
    static WORDS: OnceLock<FxMap<char, Vec<&'static str>>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: FxMap<char, Vec<&'static str>> = FxMap::default();
        for &word in TALK {
            if let Some(first) = word.chars().next() {
                words.entry(first).or_default().push(word);
            }
        }
        words
    })
}

#[cfg(test)]
mod tests {
    use crate::model::Mode;
    use crate::need_text::{read_need, GOAL_WEIGHT};

    fn weight_of(text: &str, part: &str) -> f64 {
        let need = read_need(text);
        let start = text.find(part).expect(part);
        need.weight(start, start + part.len())
    }

    #[test]
    fn a_form_is_structure() {
        let text = "需求名称：窑炉余热回收。需求描述：辊道窑烟气温度高。预期目标：回收率提高。合作方式：联合攻关，经费约50万元";
        let need = read_need(text);
        assert_eq!(need.title.as_deref(), Some("窑炉余热回收"));
        assert_eq!(need.modes, vec![Mode::JointRd]);
        assert_eq!(need.budget.as_deref(), Some("经费约50万元"));
        assert_eq!(weight_of(text, "需求名称"), 0.0);
        assert_eq!(weight_of(text, "余热"), 1.0);
        assert_eq!(weight_of(text, "烟气"), 1.0);
        assert_eq!(weight_of(text, "回收率"), GOAL_WEIGHT);
        assert_eq!(weight_of(text, "联合攻关"), 0.0);
        assert_eq!(weight_of(text, "预期目标"), 0.0);
    }

    #[test]
    fn a_label_inside_a_sentence_is_text() {
        let text = "我们的需求名称：不是表单";
        assert!(read_need(text).title.is_none());
    }

    #[test]
    fn talk_about_the_asker_is_no_evidence() {
        let text = "我们是佛山的建筑陶瓷厂，想找余热回收方面的专家";
        assert_eq!(weight_of(text, "我们"), 0.0);
        assert_eq!(weight_of(text, "想找"), 0.0);
        assert_eq!(weight_of(text, "专家"), 0.0);
        assert_eq!(weight_of(text, "陶瓷"), 1.0);
        // A pair of one character of talk and one of the problem is no word of the need.
        assert_eq!(weight_of(text, "找余"), 0.0);
    }

    #[test]
    fn places_are_evidence() {
        // Where the need is often says what serves it (云南 for an earthquake bureau's need): a place
        // weighs as the problem does, beside talk that weighs nothing.
        let text = "我们在江西赣州承包了红土坡地，广东省佛山市禅城区的陶瓷厂";
        for place in ["江西", "赣州", "广东省", "佛山市", "禅城区", "红土", "陶瓷"]
        {
            assert_eq!(weight_of(text, place), 1.0, "{place}");
        }
        assert_eq!(weight_of(text, "我们"), 0.0);
    }

    #[test]
    fn a_need_that_is_only_talk_keeps_it() {
        assert_eq!(weight_of("专家", "专家"), 1.0);
        assert_eq!(weight_of("江西 专家", "专家"), 0.0);
        assert_eq!(weight_of("江西 专家", "江西"), 1.0);
    }

    #[test]
    fn plain_text_is_all_evidence() {
        let text = "锂电池热失控 PLC";
        let need = read_need(text);
        assert!(need.weights.iter().all(|&weight| weight == 1.0));
        assert!(need.modes.is_empty() && need.title.is_none());
    }
}
