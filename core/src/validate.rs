//! Validation of resources and needs against the interchange formats and the shipped taxonomies.
//!
//! Every check runs, so one call reports every problem of a record, each located by field.

use crate::model::{
    is_valid_id, Contact, FieldError, Kind, Need, NeedRecord, Resource, MAX_LIST_ITEMS,
    MAX_NEED_CHARS, MAX_SHORT_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS,
};
use crate::taxonomy::{taxonomies, RegionLookupError};

/// Every problem of one resource; empty when it is valid.
pub fn validate_resource(resource: &Resource) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_valid_id(&resource.id) {
        errors.push(FieldError::new(
            "id",
            "must be 1–128 characters of A–Z, a–z, 0–9, '.', '_', ':' or '-'",
        ));
    }
    if let Some(message) = missing_name(resource) {
        errors.push(FieldError::new("title", message));
    }
    check_text(&mut errors, "title", &resource.title, MAX_TITLE_CHARS);
    check_text(&mut errors, "summary", &resource.summary, MAX_SUMMARY_CHARS);
    check_text(
        &mut errors,
        "organization",
        &resource.organization,
        MAX_SHORT_CHARS,
    );
    check_text(&mut errors, "society", &resource.society, MAX_SHORT_CHARS);
    check_text(&mut errors, "position", &resource.position, MAX_SHORT_CHARS);
    check_list(&mut errors, "keywords", &resource.keywords);
    check_list(&mut errors, "expertise", &resource.expertise);
    check_disciplines(&mut errors, &resource.disciplines);
    check_industries(&mut errors, &resource.industries);
    if let Some(region) = &resource.region {
        check_region(&mut errors, "region", region);
    }
    if let Some(maturity) = resource.maturity {
        if !(1..=9).contains(&maturity) {
            errors.push(FieldError::new("maturity", "must be a TRL from 1 to 9"));
        }
        if !matches!(resource.kind, Kind::Achievement | Kind::Patent) {
            errors.push(FieldError::new(
                "maturity",
                "only achievements and patents have a maturity (TRL)",
            ));
        }
    }
    if let Some(patent) = &resource.patent {
        if resource.kind != Kind::Patent {
            errors.push(FieldError::new(
                "patent",
                "only patents have patent details",
            ));
        }
        check_text(
            &mut errors,
            "patent.number",
            &patent.number,
            MAX_SHORT_CHARS,
        );
        check_text(
            &mut errors,
            "patent.status",
            &patent.status,
            MAX_SHORT_CHARS,
        );
        check_list(&mut errors, "patent.ipc", &patent.ipc);
    }
    if let Some(contact) = &resource.contact {
        check_contact(&mut errors, contact);
    }
    if let Some(updated_at) = &resource.updated_at {
        check_updated_at(&mut errors, updated_at);
    }
    for error in &mut errors {
        if is_valid_id(&resource.id) {
            error.id = Some(resource.id.clone());
        }
    }
    errors
}

/// What is missing when a resource has nothing to be shown and found by: an expert needs a name and
/// an organisation its name, whatever else they have; an achievement or a patent needs a title or,
/// failing that, a description (catalogs exported from literature databases carry abstracts whose
/// titles were lost, and the description is what matching reads most).
fn missing_name(resource: &Resource) -> Option<&'static str> {
    if !resource.title.trim().is_empty() {
        return None;
    }
    match resource.kind {
        Kind::Expert => Some("is required: the expert's name (姓名)"),
        Kind::Organization => Some("is required: the organization's name (名称)"),
        Kind::Achievement | Kind::Patent if !resource.summary.trim().is_empty() => None,
        Kind::Achievement => {
            Some("is required: the achievement's title (名称), or at least its description (简介)")
        }
        Kind::Patent => {
            Some("is required: the patent's title (名称), or at least its description (简介)")
        }
    }
}

/// Every problem of one stored need; empty when it is valid. Its need fields are checked as a
/// need's (codes against the taxonomies), its other text as a resource's (lengths, control
/// characters), and it needs a title or a text to be matched by.
pub fn validate_need_record(record: &NeedRecord) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_valid_id(&record.id) {
        errors.push(FieldError::new(
            "id",
            "must be 1–128 characters of A–Z, a–z, 0–9, '.', '_', ':' or '-'",
        ));
    }
    if record.title.trim().is_empty() && record.text.trim().is_empty() {
        errors.push(FieldError::new(
            "text",
            "a need needs a title (需求名称) or a text (需求描述)",
        ));
    }
    check_text(&mut errors, "title", &record.title, MAX_TITLE_CHARS);
    check_text(&mut errors, "text", &record.text, MAX_NEED_CHARS);
    check_text(
        &mut errors,
        "organization",
        &record.organization,
        MAX_SHORT_CHARS,
    );
    check_text(&mut errors, "budget", &record.budget, MAX_SHORT_CHARS);
    check_list(&mut errors, "keywords", &record.keywords);
    check_disciplines(&mut errors, &record.disciplines);
    check_industries(&mut errors, &record.industries);
    if let Some(region) = &record.region {
        check_region(&mut errors, "region", region);
    }
    if let Some(min_maturity) = record.min_maturity {
        if !(1..=9).contains(&min_maturity) {
            errors.push(FieldError::new("min_maturity", "must be a TRL from 1 to 9"));
        }
    }
    if let Some(deadline) = &record.deadline {
        if crate::time::parse_date(deadline).is_none() {
            errors.push(FieldError::new(
                "deadline",
                format!(
                    "'{}' is not a date such as 2025-06-30 (also 2025/6/30 or 2025年6月30日)",
                    clip(deadline)
                ),
            ));
        }
    }
    if let Some(contact) = &record.contact {
        check_contact(&mut errors, contact);
    }
    if let Some(updated_at) = &record.updated_at {
        check_updated_at(&mut errors, updated_at);
    }
    for error in &mut errors {
        if is_valid_id(&record.id) {
            error.id = Some(record.id.clone());
        }
    }
    errors
}

fn check_contact(errors: &mut Vec<FieldError>, contact: &Contact) {
    check_text(errors, "contact.name", &contact.name, MAX_SHORT_CHARS);
    check_text(errors, "contact.phone", &contact.phone, MAX_SHORT_CHARS);
    check_text(errors, "contact.email", &contact.email, MAX_SHORT_CHARS);
    if !contact.email.is_empty() && !looks_like_email(&contact.email) {
        errors.push(FieldError::new("contact.email", "is not an e-mail address"));
    }
}

fn check_updated_at(errors: &mut Vec<FieldError>, updated_at: &str) {
    if crate::time::parse_rfc3339(updated_at).is_none() {
        errors.push(FieldError::new(
            "updated_at",
            "must be an RFC 3339 time such as 2024-05-01T08:00:00Z",
        ));
    }
}

/// Every problem of one need; empty when it is valid. Free text is never an error (it is scored as it
/// is), except when it is absurdly long.
pub fn validate_need(need: &Need) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (field, value) in [("title", &need.title), ("text", &need.text)] {
        if value.chars().count() > MAX_NEED_CHARS {
            errors.push(FieldError::new(
                field,
                format!("is longer than {MAX_NEED_CHARS} characters"),
            ));
        }
    }
    check_list(&mut errors, "keywords", &need.keywords);
    check_disciplines(&mut errors, &need.disciplines);
    check_industries(&mut errors, &need.industries);
    if let Some(region) = &need.region {
        check_region(&mut errors, "region", region);
    }
    if let Some(min_maturity) = need.min_maturity {
        if !(1..=9).contains(&min_maturity) {
            errors.push(FieldError::new("min_maturity", "must be a TRL from 1 to 9"));
        }
    }
    if let Some(budget) = need.budget {
        if !budget.is_finite() || budget < 0.0 {
            errors.push(FieldError::new(
                "budget",
                "must be a non-negative number (万元)",
            ));
        }
    }
    errors
}

/// Checks a region code or strategic region id used as a scope or a preference. Records hold codes
/// (the decoders write what people wrote through `canonical_region`), so only codes pass here.
pub fn check_region(errors: &mut Vec<FieldError>, field: &str, region: &str) {
    let taxonomies = taxonomies();
    if taxonomies.regions.get(region).is_none() && taxonomies.strategic_region(region).is_none() {
        errors.push(FieldError::new(
            field,
            format!(
                "unknown region code '{}' (GB/T 2260 or a strategic region id)",
                clip(region)
            ),
        ));
    }
}

/// Candidates listed when a region name is ambiguous; the rest are counted.
const MAX_REGION_CANDIDATES: usize = 8;

/// The one reading of a region as people write it, for every decoder and filter: its GB/T 2260
/// code or strategic region id (`Taxonomies::resolve_region`: a code, a name, a short name, or a
/// path such as 广东省佛山市禅城区). `None`, with an error on `field`, for a region that is unknown
/// or ambiguous (the error lists the candidates with their codes).
pub fn canonical_region(errors: &mut Vec<FieldError>, field: &str, text: &str) -> Option<String> {
    let taxonomies = taxonomies();
    match taxonomies.resolve_region(text) {
        Ok(code) => Some(code.to_string()),
        Err(RegionLookupError::Unknown) => {
            errors.push(FieldError::new(
                field,
                format!(
                    "unknown region '{}': write a GB/T 2260 code (440604), a name (禅城区, 佛山市), the province, city and county together (广东省佛山市禅城区), or a strategic region id",
                    clip(text.trim())
                ),
            ));
            None
        }
        Err(RegionLookupError::Ambiguous(candidates)) => {
            let mut listed: Vec<String> = candidates
                .iter()
                .take(MAX_REGION_CANDIDATES)
                .map(|node| format!("{} {}", taxonomies.region_path(&node.code), node.code))
                .collect();
            if candidates.len() > MAX_REGION_CANDIDATES {
                listed.push(format!(
                    "and {} more",
                    candidates.len() - MAX_REGION_CANDIDATES
                ));
            }
            let example = candidates
                .first()
                .map(|node| taxonomies.region_path(&node.code))
                .unwrap_or_default();
            errors.push(FieldError::new(
                field,
                format!(
                    "region '{}' is ambiguous: {}; write the code, or the names above it too ({example})",
                    clip(text.trim()),
                    listed.join(", ")
                ),
            ));
            None
        }
    }
}

fn check_disciplines(errors: &mut Vec<FieldError>, disciplines: &[String]) {
    check_list(errors, "disciplines", disciplines);
    for (index, discipline) in disciplines.iter().enumerate() {
        if taxonomies().canonical_discipline(discipline).is_none() {
            errors.push(FieldError::new(
                format!("disciplines[{index}]"),
                unknown_discipline(discipline),
            ));
        }
    }
}

fn check_industries(errors: &mut Vec<FieldError>, industries: &[String]) {
    check_list(errors, "industries", industries);
    for (index, industry) in industries.iter().enumerate() {
        if taxonomies().canonical_industry(industry).is_none() {
            errors.push(FieldError::new(
                format!("industries[{index}]"),
                unknown_industry(industry),
            ));
        }
    }
}

/// What is wrong with a discipline no taxonomy knows.
pub(crate) fn unknown_discipline(discipline: &str) -> String {
    format!(
        "unknown discipline '{}' (GB/T 13745 code or name, or a CSL discipline)",
        clip(discipline)
    )
}

/// What is wrong with an industry no taxonomy knows.
pub(crate) fn unknown_industry(industry: &str) -> String {
    format!(
        "unknown industry code '{}' (GB/T 4754-2017)",
        clip(industry)
    )
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, text: &str, max_chars: usize) {
    let n_chars = text.chars().count();
    if n_chars > max_chars {
        errors.push(FieldError::new(
            field,
            format!("is {n_chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        errors.push(FieldError::new(field, "contains control characters"));
    }
}

fn check_list(errors: &mut Vec<FieldError>, field: &str, items: &[String]) {
    if items.len() > MAX_LIST_ITEMS {
        errors.push(FieldError::new(
            field,
            format!(
                "has {} items; at most {MAX_LIST_ITEMS} are allowed",
                items.len()
            ),
        ));
    }
    for (index, item) in items.iter().enumerate() {
        let item_field = format!("{field}[{index}]");
        if item.trim().is_empty() {
            errors.push(FieldError::new(item_field, "is empty"));
        } else {
            check_text(errors, &item_field, item, MAX_SHORT_CHARS);
        }
    }
}

fn looks_like_email(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(user), Some(host), None)
        if !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c == '<' || c == '>'))
}

/// A value quoted in an error message, cut so that a hostile megabyte does not echo back.
pub(crate) fn clip(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut clipped: String = text.chars().take(MAX).collect();
        clipped.push('…');
        clipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email() {
        assert!(looks_like_email("a@b.cn"));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("a b@c.cn"));
    }
}
