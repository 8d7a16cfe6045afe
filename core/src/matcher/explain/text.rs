//! The reasons for a result's components, in Chinese and English: every zh/en string of an
//! explanation is here.

use crate::matcher::components::{near_miss, Scores};
use crate::matcher::explain::ExplainContext;
use crate::matcher::Matcher;
use crate::model::Mode;
use crate::score::{Matched, Reason};
use crate::taxonomy::taxonomies;

impl Matcher {
    /// The reasons for the resource's components that count, in Chinese and English.
    pub(crate) fn reasons(
        &self,
        context: &ExplainContext,
        doc: u32,
        scores: &Scores,
        matched: &[Matched],
    ) -> Vec<Reason> {
        let &ExplainContext {
            need,
            query,
            related,
            prior,
            ..
        } = context;
        let resource = &self.resources[doc as usize];
        let taxonomies = taxonomies();
        let mut reasons = Vec::new();
        // The resource's keyword phrases (ids) and the keyword each came from, as written.
        let phrase_range = self.index.doc_phrases.row_range(doc as usize);
        let phrase_ids = &self.index.doc_phrases.items[phrase_range.clone()];
        let as_written = |item: usize| -> &str {
            let source = usize::from(self.index.doc_phrase_sources[phrase_range.start + item]);
            resource
                .keywords
                .iter()
                .chain(&resource.expertise)
                .nth(source)
                .map_or("", String::as_str)
        };
        if let Some(text) = scores.text.filter(|&text| text > 0.0) {
            // Matches in the title and keywords first (else in the summary); words before lone
            // characters, which say less to a reader.
            let in_fields: Vec<&Matched> = matched
                .iter()
                .filter(|entry| entry.field != "summary")
                .collect();
            let pool: Vec<&Matched> = if in_fields.is_empty() {
                matched.iter().collect()
            } else {
                in_fields
            };
            let mut terms: Vec<&str> = Vec::new();
            for words in [true, false] {
                for entry in &pool {
                    let is_word = entry.term.chars().nth(1).is_some();
                    if is_word == words && !terms.contains(&entry.term.as_str()) && terms.len() < 5
                    {
                        terms.push(&entry.term);
                    }
                }
            }
            let percent = (text * 100.0).round();
            let quoted_zh: Vec<String> = terms.iter().map(|term| format!("“{term}”")).collect();
            let quoted_en: Vec<String> = terms.iter().map(|term| format!("\"{term}\"")).collect();
            let (zh, en) = if terms.is_empty() {
                (
                    format!("文本相关度 {percent}%：只有零散的字相同"),
                    format!("Text relevance {percent}%: only scattered characters in common"),
                )
            } else {
                (
                    format!("文本相关度 {percent}%：命中{}", quoted_zh.join("、")),
                    format!(
                        "Text relevance {percent}%: matches {}",
                        quoted_en.join(", ")
                    ),
                )
            };
            reasons.push(Reason {
                component: "text".to_string(),
                zh,
                en,
            });
        }
        if scores.keywords.is_some_and(|value| value > 0.0) {
            let mut exact = Vec::new();
            let mut near = Vec::new();
            for (item, &id) in phrase_ids.iter().enumerate() {
                let key = &*self.index.phrase_keys[id as usize];
                if query.phrases.iter().any(|phrase| phrase.id == Some(id)) {
                    exact.push(as_written(item));
                } else if query
                    .phrases
                    .iter()
                    .any(|phrase| near_miss(&phrase.key, key) > 0.0)
                {
                    near.push(as_written(item));
                }
            }
            if !exact.is_empty() || !near.is_empty() {
                let mut zh = String::from("关键词");
                let mut en = String::from("Keywords");
                if !exact.is_empty() {
                    zh.push_str(&format!("命中：{}", exact.join("、")));
                    en.push_str(&format!(" match: {}", exact.join(", ")));
                }
                if !near.is_empty() {
                    zh.push_str(&format!(
                        "{}相近：{}",
                        if exact.is_empty() { "" } else { "；" },
                        near.join("、")
                    ));
                    en.push_str(&format!(
                        "{} close: {}",
                        if exact.is_empty() { "" } else { ";" },
                        near.join(", ")
                    ));
                }
                reasons.push(Reason {
                    component: "keywords".to_string(),
                    zh,
                    en,
                });
            } else {
                reasons.push(Reason {
                    component: "keywords".to_string(),
                    zh: "需求中的关键短语出现在标题或摘要中".to_string(),
                    en: "Key phrases of the need appear in the title or summary".to_string(),
                });
            }
        }
        if scores.related.is_some_and(|value| value > 0.0) {
            // The keywords another of the best matches lists too, as written, most voted first (at
            // most three). A voter whose keywords no other lists has only its own tenth: no reason.
            let mut votes: Vec<(usize, f64)> = self
                .related_votes(related, doc)
                .filter(|&(_, _, shared)| shared)
                .map(|(item, vote, _)| (item, vote))
                .collect();
            votes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let names: Vec<&str> = votes
                .iter()
                .take(3)
                .map(|&(item, _)| as_written(item))
                .collect();
            let quoted_zh: Vec<String> = names.iter().map(|name| format!("“{name}”")).collect();
            let quoted_en: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
            if !names.is_empty() {
                reasons.push(Reason {
                    component: "related".to_string(),
                    zh: format!(
                        "与最符合需求文本的资源有共同关键词：{}",
                        quoted_zh.join("、")
                    ),
                    en: format!(
                        "Shares keywords with the resources that best match the need's text: {}",
                        quoted_en.join(", ")
                    ),
                });
            }
        }
        if let Some(value) = scores.discipline.filter(|&value| value > 0.0) {
            let names: Vec<String> = resource
                .disciplines
                .iter()
                .map(|discipline| {
                    taxonomies
                        .disciplines
                        .resolve(discipline)
                        .map_or(discipline.clone(), |node| node.name.clone())
                })
                .collect();
            let names = names.join("、");
            let (zh, en) = if value >= 1.0 {
                (
                    format!("学科一致：{names}"),
                    format!("Same discipline: {names}"),
                )
            } else {
                (
                    format!("学科相近：{names}"),
                    format!("Related discipline: {names}"),
                )
            };
            reasons.push(Reason {
                component: "discipline".to_string(),
                zh,
                en,
            });
        }
        if scores.inferred.is_some_and(|value| value > 0.0) {
            // The resource's discipline the best text matches voted for most, and the share of
            // their evidence that voted for it.
            let best = self
                .index
                .doc_disciplines
                .row(doc as usize)
                .iter()
                .filter_map(|&id| prior.disciplines.get(&id).map(|&vote| (id, vote)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            if let Some((id, vote)) = best {
                let code = &self.index.discipline_codes[id as usize];
                let name = taxonomies
                    .disciplines
                    .resolve(code)
                    .map_or(code.clone(), |node| node.name.clone());
                let percent = (vote * 100.0).round();
                reasons.push(Reason {
                    component: "inferred".to_string(),
                    zh: format!(
                        "学科“{name}”：由需求文本推断，最符合需求文本的资源中 {percent}% 的证据属于该学科"
                    ),
                    en: format!(
                        "Discipline {name}: inferred from the need's text; {percent}% of the evidence of the resources that best match it is in this discipline"
                    ),
                });
            }
        }
        if let Some(value) = scores.industry.filter(|&value| value > 0.0) {
            let names: Vec<String> = resource
                .industries
                .iter()
                .map(|code| {
                    taxonomies
                        .industries
                        .get(code)
                        .map_or(code.clone(), |node| format!("{} {}", node.code, node.name))
                })
                .collect();
            let (zh, en) = if value >= 1.0 {
                ("行业一致", "Same industry")
            } else {
                ("行业相近", "Related industry")
            };
            reasons.push(Reason {
                component: "industry".to_string(),
                zh: format!("{zh}：{}", names.join("、")),
                en: format!("{en}: {}", names.join(", ")),
            });
        }
        if let (Some(value), Some(region)) = (
            scores.region.filter(|&value| value > 0.0),
            resource.region.as_deref(),
        ) {
            let name = taxonomies
                .regions
                .get(region)
                .map_or(region.to_string(), |node| node.name.clone());
            let (zh, en) = if value >= 1.0 {
                ("同一地区", "Same area")
            } else if value >= 0.75 {
                ("同一地市", "Same city")
            } else if value >= 0.5 {
                ("同一省份", "Same province")
            } else {
                ("同一国家战略区域", "Same national strategic region")
            };
            reasons.push(Reason {
                component: "region".to_string(),
                zh: format!("{zh}：{name}"),
                en: format!("{en}: {name}"),
            });
        }
        if let (Some(_), Some(maturity), Some(min)) =
            (scores.maturity, resource.maturity, need.min_maturity)
        {
            let (zh, en) = if maturity >= min {
                (
                    format!("技术成熟度 TRL {maturity}，达到要求的 TRL {min}"),
                    format!("Readiness TRL {maturity} meets the required TRL {min}"),
                )
            } else {
                (
                    format!("技术成熟度 TRL {maturity}，低于要求的 TRL {min}"),
                    format!("Readiness TRL {maturity} is below the required TRL {min}"),
                )
            };
            reasons.push(Reason {
                component: "maturity".to_string(),
                zh,
                en,
            });
        }
        if scores.modes.is_some_and(|value| value > 0.0) {
            let offered: Vec<Mode> = need
                .modes
                .iter()
                .copied()
                .filter(|mode| resource.modes.contains(mode))
                .collect();
            reasons.push(Reason {
                component: "modes".to_string(),
                zh: format!(
                    "提供所需合作方式：{}",
                    offered
                        .iter()
                        .map(|mode| mode.label_zh())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                en: format!(
                    "Offers the wanted cooperation: {}",
                    offered
                        .iter()
                        .map(|mode| mode.label_en())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        reasons
    }
}
