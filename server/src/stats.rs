//! Evaluation indicators over engagements (效果评估指标): per group, the engagements by current status,
//! how many ever reached each funnel status, conversion rates, median days between steps, and the
//! most engaged resources. The exact definitions are in `server/README.md` ("Engagements").

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::engagement::Status;
use crate::routes::resources::province_of;
use crate::store::engagements::StatRow;

/// The group of engagements whose resource has no value for the grouping field.
pub const NONE_KEY: &str = "(none)";

/// How many resources `top_resources` lists.
pub const TOP_RESOURCES: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Region,
    Discipline,
    Industry,
    Society,
    Kind,
    Fair,
    Month,
}

impl GroupBy {
    pub const ALL: [GroupBy; 7] = [
        GroupBy::Region,
        GroupBy::Discipline,
        GroupBy::Industry,
        GroupBy::Society,
        GroupBy::Kind,
        GroupBy::Fair,
        GroupBy::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Region => "region",
            GroupBy::Discipline => "discipline",
            GroupBy::Industry => "industry",
            GroupBy::Society => "society",
            GroupBy::Kind => "kind",
            GroupBy::Fair => "fair",
            GroupBy::Month => "month",
        }
    }

    pub fn parse(text: &str) -> Option<GroupBy> {
        GroupBy::ALL
            .into_iter()
            .find(|group| group.as_str() == text)
    }

    /// The groups one engagement counts in: one, except for disciplines and industries, where an
    /// engagement counts once in each distinct code its resource has.
    fn keys(self, row: &StatRow) -> Vec<String> {
        let or_none = |value: Option<&str>| match value {
            Some(value) if !value.is_empty() => value.to_string(),
            _ => NONE_KEY.to_string(),
        };
        let each = |codes: &[String]| {
            let mut keys: Vec<String> = codes.to_vec();
            keys.sort();
            keys.dedup();
            if keys.is_empty() {
                keys.push(NONE_KEY.to_string());
            }
            keys
        };
        match self {
            GroupBy::Region => vec![or_none(row.region.as_deref().map(province_of).as_deref())],
            GroupBy::Discipline => each(&row.disciplines),
            GroupBy::Industry => each(&row.industries),
            GroupBy::Society => vec![or_none(Some(&row.society))],
            GroupBy::Kind => vec![or_none(Some(&row.kind))],
            GroupBy::Fair => vec![or_none(row.fair.as_deref())],
            GroupBy::Month => vec![crate::engagement::format_utc(row.created_at)[..7].to_string()],
        }
    }

    /// A readable name of a group key: the taxonomy name for codes, else the key itself.
    fn name(self, key: &str) -> String {
        let taxonomies = duijie_core::taxonomy::taxonomies();
        let node = match self {
            GroupBy::Region => taxonomies.regions.get(key),
            GroupBy::Discipline => taxonomies.disciplines.get(key),
            GroupBy::Industry => taxonomies.industries.get(key),
            _ => None,
        };
        node.map(|node| node.name.clone())
            .unwrap_or_else(|| key.to_string())
    }
}

/// The indicators of one group.
#[derive(Clone, Debug, Default)]
pub struct Group {
    pub key: String,
    pub name: String,
    /// Every engagement created (each starts as an intent).
    pub engagements: usize,
    /// By current status, in `Status::ALL` order.
    pub by_status: [usize; 6],
    /// How many ever reached contacted, negotiating, signed, landed.
    pub reached: [usize; 4],
    pub median_days_intent_to_signed: Option<f64>,
    pub median_days_signed_to_landed: Option<f64>,
    /// `(resource_id, title, engagements)`, most engaged first, ties by id.
    pub top_resources: Vec<(String, String, usize)>,
}

impl Group {
    /// `reached / engagements` for a funnel status after intent (0 when the group is empty).
    pub fn rate(&self, reached_index: usize) -> f64 {
        if self.engagements == 0 {
            0.0
        } else {
            self.reached[reached_index] as f64 / self.engagements as f64
        }
    }

    pub fn to_json(&self) -> Value {
        let statuses: serde_json::Map<String, Value> = Status::ALL
            .iter()
            .zip(self.by_status)
            .map(|(status, count)| (status.as_str().to_string(), json!(count)))
            .collect();
        let mut reached = serde_json::Map::new();
        reached.insert("intent".into(), json!(self.engagements));
        let mut rates = serde_json::Map::new();
        for (index, status) in Status::FUNNEL[1..].iter().enumerate() {
            reached.insert(status.as_str().into(), json!(self.reached[index]));
            rates.insert(status.as_str().into(), json!(self.rate(index)));
        }
        json!({
            "key": self.key,
            "name": self.name,
            "engagements": self.engagements,
            "status": statuses,
            "reached": reached,
            "rates": rates,
            "median_days": {
                "intent_to_signed": self.median_days_intent_to_signed,
                "signed_to_landed": self.median_days_signed_to_landed,
            },
            "top_resources": self.top_resources.iter().map(|(id, title, count)| json!({
                "resource_id": id, "title": title, "engagements": count,
            })).collect::<Vec<_>>(),
        })
    }
}

#[derive(Default)]
struct Accumulator<'a> {
    engagements: usize,
    by_status: [usize; 6],
    reached: [usize; 4],
    intent_to_signed: Vec<f64>,
    signed_to_landed: Vec<f64>,
    /// Engagements by `StatRow::resource`.
    counts: Vec<u32>,
    /// The first row of each resource counted, in first-seen order.
    seen: Vec<&'a StatRow>,
}

impl<'a> Accumulator<'a> {
    fn add(&mut self, row: &'a StatRow) {
        self.engagements += 1;
        let status_index = Status::ALL
            .iter()
            .position(|status| *status == row.status)
            .unwrap_or(0);
        self.by_status[status_index] += 1;
        for (count, reached) in self.reached.iter_mut().zip(row.reached) {
            *count += usize::from(reached.is_some());
        }
        if let Some(signed) = row.reached[2] {
            self.intent_to_signed
                .push((signed - row.created_at) as f64 / 86_400.0);
            if let Some(landed) = row.reached[3] {
                self.signed_to_landed
                    .push((landed - signed) as f64 / 86_400.0);
            }
        }
        let resource = row.resource as usize;
        if resource >= self.counts.len() {
            self.counts.resize(resource + 1, 0);
        }
        if self.counts[resource] == 0 {
            self.seen.push(row);
        }
        self.counts[resource] += 1;
    }

    fn finish(self, group_by: GroupBy, key: String) -> Group {
        let mut top: Vec<(u32, &StatRow)> = self
            .seen
            .iter()
            .map(|row| (self.counts[row.resource as usize], *row))
            .collect();
        let order = |a: &(u32, &StatRow), b: &(u32, &StatRow)| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.resource_id.cmp(&b.1.resource_id))
        };
        // Selecting the first few is linear; sorting every resource of a large group is not.
        if top.len() > TOP_RESOURCES {
            top.select_nth_unstable_by(TOP_RESOURCES - 1, order);
            top.truncate(TOP_RESOURCES);
        }
        top.sort_unstable_by(order);
        let top = top
            .into_iter()
            .map(|(count, row)| (row.resource_id.clone(), row.title.clone(), count as usize))
            .collect();
        Group {
            name: group_by.name(&key),
            key,
            engagements: self.engagements,
            by_status: self.by_status,
            reached: self.reached,
            median_days_intent_to_signed: median(self.intent_to_signed),
            median_days_signed_to_landed: median(self.signed_to_landed),
            top_resources: top,
        }
    }
}

/// The median: the middle value, or the mean of the two middle values; `None` when empty.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    })
}

/// The groups (by key) and the overall group (key `all`) of `rows`.
pub fn compute<'a>(
    rows: impl IntoIterator<Item = &'a StatRow>,
    group_by: GroupBy,
) -> (Vec<Group>, Group) {
    let mut groups: BTreeMap<String, Accumulator<'a>> = BTreeMap::new();
    let mut overall = Accumulator::default();
    for row in rows {
        overall.add(row);
        for key in group_by.keys(row) {
            groups.entry(key).or_default().add(row);
        }
    }
    let groups = groups
        .into_iter()
        .map(|(key, accumulator)| accumulator.finish(group_by, key))
        .collect();
    let mut overall = overall.finish(group_by, "all".to_string());
    overall.name = "all".to_string();
    (groups, overall)
}

/// The CSV columns, one row per group.
pub const CSV_HEADER: [&str; 20] = [
    "group",
    "name",
    "engagements",
    "status_intent",
    "status_contacted",
    "status_negotiating",
    "status_signed",
    "status_landed",
    "status_dropped",
    "reached_contacted",
    "reached_negotiating",
    "reached_signed",
    "reached_landed",
    "rate_contacted",
    "rate_negotiating",
    "rate_signed",
    "rate_landed",
    "median_days_intent_to_signed",
    "median_days_signed_to_landed",
    "top_resources",
];

/// The groups as CSV: UTF-8 with a BOM (Excel reads it as UTF-8), a header line, one row per group.
/// Empty medians are empty cells; `top_resources` is `id:count` joined by `;`.
pub fn to_csv(groups: &[Group]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(CSV_HEADER)?;
    for group in groups {
        let mut record: Vec<String> = vec![
            spreadsheet_safe(&group.key),
            spreadsheet_safe(&group.name),
            group.engagements.to_string(),
        ];
        record.extend(group.by_status.iter().map(usize::to_string));
        record.extend(group.reached.iter().map(usize::to_string));
        record.extend((0..4).map(|index| group.rate(index).to_string()));
        for median in [
            group.median_days_intent_to_signed,
            group.median_days_signed_to_landed,
        ] {
            record.push(median.map(|days| days.to_string()).unwrap_or_default());
        }
        record.push(spreadsheet_safe(
            &group
                .top_resources
                .iter()
                .map(|(id, _, count)| format!("{id}:{count}"))
                .collect::<Vec<_>>()
                .join(";"),
        ));
        writer.write_record(&record)?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}

/// A text cell a spreadsheet will not run: one starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'` (OWASP's advice for CSV injection). Resource ids may start with `-`.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}
