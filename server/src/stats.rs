//! Evaluation indicators over engagements (效果评估指标): per group, the engagements by current status,
//! how many ever reached each funnel status, conversion rates, median days between steps, and the
//! most engaged resources. The exact definitions are in `server/README.md` ("Engagements").

use std::sync::{Arc, OnceLock};

use duijie_core::engagement::Status;
use duijie_core::index::FxMap;
use duijie_core::spreadsheet::escape_cell;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use utoipa::ToSchema;

use crate::routes::resources::province_key;
use crate::store::engagements::StatRow;

/// Whose province `group_by=region` counts: the resource's (where the supply is) or the
/// enterprise's (where the need is, `enterprise_region` of the engagement).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProvinceOf {
    Resource,
    Need,
}

impl ProvinceOf {
    pub fn parse(text: &str) -> Option<ProvinceOf> {
        match text {
            "resource" => Some(ProvinceOf::Resource),
            "need" => Some(ProvinceOf::Need),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProvinceOf::Resource => "resource",
            ProvinceOf::Need => "need",
        }
    }
}

/// The group of engagements whose resource has no value for the grouping field.
pub const NONE_KEY: &str = "(none)";

/// How many resources `top_resources` lists.
pub const TOP_RESOURCES: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// The province of the resource's region (`group_by=region`, `province_of=resource`).
    Region,
    /// The province of the enterprise's region, the need's side (`province_of=need`).
    NeedRegion,
    Discipline,
    Industry,
    Society,
    Kind,
    Fair,
    Month,
}

impl GroupBy {
    pub const ALL: [GroupBy; 8] = [
        GroupBy::Region,
        GroupBy::NeedRegion,
        GroupBy::Discipline,
        GroupBy::Industry,
        GroupBy::Society,
        GroupBy::Kind,
        GroupBy::Fair,
        GroupBy::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Region | GroupBy::NeedRegion => "region",
            GroupBy::Discipline => "discipline",
            GroupBy::Industry => "industry",
            GroupBy::Society => "society",
            GroupBy::Kind => "kind",
            GroupBy::Fair => "fair",
            GroupBy::Month => "month",
        }
    }

    /// A `group_by` value; `region` is the resource's province (`with_province_of` gives the other).
    pub fn parse(text: &str) -> Option<GroupBy> {
        GroupBy::ALL
            .into_iter()
            .filter(|group| *group != GroupBy::NeedRegion)
            .find(|group| group.as_str() == text)
    }

    /// `region` grouped by the province of the resource (`resource`) or of the enterprise (`need`).
    pub fn with_province_of(self, side: ProvinceOf) -> GroupBy {
        match (self, side) {
            (GroupBy::Region | GroupBy::NeedRegion, ProvinceOf::Resource) => GroupBy::Region,
            (GroupBy::Region | GroupBy::NeedRegion, ProvinceOf::Need) => GroupBy::NeedRegion,
            (other, _) => other,
        }
    }

    /// The file name of the CSV download.
    pub fn file_name(self) -> String {
        match self {
            GroupBy::NeedRegion => "engagements-by-enterprise-region.csv".to_string(),
            other => format!("engagements-by-{}.csv", other.as_str()),
        }
    }

    /// Calls `visit` with each group one engagement counts in: one, except for disciplines and
    /// industries, where an engagement counts once in each distinct code its resource has.
    fn for_each_key(self, row: &StatRow, mut visit: impl FnMut(&str)) {
        let or_none = |value: Option<&str>| match value {
            Some(value) if !value.is_empty() => value.to_string(),
            _ => NONE_KEY.to_string(),
        };
        let mut each = |codes: &[String]| {
            if codes.is_empty() {
                visit(NONE_KEY);
            }
            for (index, code) in codes.iter().enumerate() {
                if !codes[..index].contains(code) {
                    visit(code);
                }
            }
        };
        match self {
            GroupBy::Region => visit(&or_none(row.region.as_deref().map(province_key))),
            GroupBy::NeedRegion => {
                visit(&or_none(row.enterprise_region.as_deref().map(province_key)))
            }
            GroupBy::Discipline => each(&row.disciplines),
            GroupBy::Industry => each(&row.industries),
            GroupBy::Society => visit(&or_none(Some(&row.society))),
            GroupBy::Kind => visit(&or_none(Some(&row.kind))),
            GroupBy::Fair => visit(&or_none(row.fair.as_deref())),
            GroupBy::Month => visit(&duijie_core::time::format_utc(row.created_at)[..7]),
        }
    }

    /// A readable name of a group key: the taxonomy name for codes, else the key itself.
    fn name(self, key: &str) -> String {
        let taxonomies = duijie_core::taxonomy::taxonomies();
        let node = match self {
            GroupBy::Region | GroupBy::NeedRegion => taxonomies.regions.get(key),
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
}

/// Pairs serialised as a JSON object, in order.
struct Pairs<V>(Vec<(&'static str, V)>);

impl<V: Serialize> Serialize for Pairs<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// One group as the API gives it, written straight to the output (a thousand industry groups
/// built as `serde_json::Value` trees first took most of a request's time).
impl Serialize for Group {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let statuses = Pairs(
            Status::ALL
                .iter()
                .zip(self.by_status)
                .map(|(status, count)| (status.as_str(), count))
                .collect(),
        );
        let mut reached = vec![("intent", self.engagements)];
        let mut rates = Vec::new();
        for (index, status) in Status::FUNNEL[1..].iter().enumerate() {
            reached.push((status.as_str(), self.reached[index]));
            rates.push((status.as_str(), self.rate(index)));
        }
        let median_days = Pairs(vec![
            ("intent_to_signed", self.median_days_intent_to_signed),
            ("signed_to_landed", self.median_days_signed_to_landed),
        ]);
        let top: Vec<TopResource<'_>> = self
            .top_resources
            .iter()
            .map(|(resource_id, title, engagements)| TopResource {
                resource_id,
                title,
                engagements: *engagements,
            })
            .collect();
        let mut map = serializer.serialize_map(Some(9))?;
        map.serialize_entry("key", &self.key)?;
        map.serialize_entry("name", &self.name)?;
        map.serialize_entry("engagements", &self.engagements)?;
        map.serialize_entry("status", &statuses)?;
        map.serialize_entry("reached", &Pairs(reached))?;
        map.serialize_entry("rates", &Pairs(rates))?;
        map.serialize_entry("median_days", &median_days)?;
        map.serialize_entry("top_resources", &top)?;
        map.end()
    }
}

/// One of a group's most engaged resources.
#[derive(Serialize, ToSchema)]
pub struct TopResource<'a> {
    resource_id: &'a str,
    title: &'a str,
    engagements: usize,
}

// The schema of a serialised `Group` (its serialisation is written by hand above, for speed); never
// built. `tests::stats_group_schema_matches_its_serialisation` keeps the two together.
/// The indicators of one group of engagements (see `server/README.md`, "Indicator definitions").
#[derive(ToSchema)]
#[schema(as = Group)]
#[allow(dead_code)]
pub struct GroupSchema {
    /// The group's key: a province code, discipline or industry code, society, kind, fair, or
    /// `YYYY-MM`; `(none)` for engagements whose resource has no value.
    key: String,
    /// The taxonomy name for regions, disciplines and industries; else the key.
    name: String,
    /// Engagements created in the group (each starts as an intent).
    engagements: usize,
    /// How many are in each status now.
    status: StatusCounts,
    /// How many ever reached each funnel status.
    reached: ReachedCounts,
    /// `reached.X / engagements` (0 for an empty group).
    rates: Rates,
    median_days: MedianDays,
    /// The most engaged resources, most first, ties by id.
    #[schema(value_type = Vec<TopResource>)]
    top_resources: Vec<()>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StatusCounts {
    intent: usize,
    contacted: usize,
    negotiating: usize,
    signed: usize,
    landed: usize,
    dropped: usize,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReachedCounts {
    intent: usize,
    contacted: usize,
    negotiating: usize,
    signed: usize,
    landed: usize,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Rates {
    contacted: f64,
    negotiating: f64,
    signed: f64,
    landed: f64,
}

/// Medians in days (not rounded); null when no engagement qualifies.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MedianDays {
    #[schema(required = true)]
    intent_to_signed: Option<f64>,
    #[schema(required = true)]
    signed_to_landed: Option<f64>,
}

#[derive(Default)]
struct Accumulator {
    engagements: usize,
    by_status: [usize; 6],
    reached: [usize; 4],
    intent_to_signed: Vec<f64>,
    signed_to_landed: Vec<f64>,
}

impl Accumulator {
    fn add(&mut self, prepared: &Prepared, row: usize) {
        self.engagements += 1;
        self.by_status[prepared.status[row] as usize] += 1;
        let reached = prepared.reached[row];
        for (count, at) in self.reached.iter_mut().zip(reached) {
            *count += usize::from(at != NEVER);
        }
        let created_at = prepared.created_at[row];
        if reached[2] != NEVER {
            let signed = reached[2];
            self.intent_to_signed
                .push((signed - created_at) as f64 / 86_400.0);
            if reached[3] != NEVER {
                self.signed_to_landed
                    .push((reached[3] - signed) as f64 / 86_400.0);
            }
        }
    }

    fn finish(
        self,
        group_by: GroupBy,
        key: String,
        top_resources: Vec<(String, String, usize)>,
    ) -> Group {
        Group {
            name: group_by.name(&key),
            key,
            engagements: self.engagements,
            by_status: self.by_status,
            reached: self.reached,
            median_days_intent_to_signed: median(self.intent_to_signed),
            median_days_signed_to_landed: median(self.signed_to_landed),
            top_resources,
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

/// A time that was never reached.
const NEVER: i64 = i64::MIN;

/// The engagement rows in columns, built once per version of the rows and shared by requests:
/// the rows themselves are scattered on the heap, and reading them for every request was most of
/// its time. Group keys are interned per grouping on first use.
pub struct Prepared {
    rows: Arc<Vec<StatRow>>,
    status: Vec<u8>,
    created_at: Vec<i64>,
    reached: Vec<[i64; 4]>,
    resource: Vec<u32>,
    /// Per resource number, its first row (`u32::MAX` for none).
    first_row: Vec<u32>,
    groupings: [OnceLock<Grouping>; 8],
}

/// One grouping's keys, and per row the groups it counts in (`offsets[row]..offsets[row + 1]`).
struct Grouping {
    keys: Vec<String>,
    offsets: Vec<u32>,
    groups: Vec<u32>,
}

impl Prepared {
    pub fn new(rows: Arc<Vec<StatRow>>) -> Prepared {
        let status = rows
            .iter()
            .map(|row| {
                Status::ALL
                    .iter()
                    .position(|status| *status == row.status)
                    .unwrap_or(0) as u8
            })
            .collect();
        let mut first_row = vec![u32::MAX; rows.len()];
        for (index, row) in rows.iter().enumerate() {
            if let Some(slot) = first_row.get_mut(row.resource as usize) {
                if *slot == u32::MAX {
                    *slot = index as u32;
                }
            }
        }
        Prepared {
            first_row,
            status,
            created_at: rows.iter().map(|row| row.created_at).collect(),
            reached: rows
                .iter()
                .map(|row| row.reached.map(|at| at.unwrap_or(NEVER)))
                .collect(),
            resource: rows.iter().map(|row| row.resource).collect(),
            groupings: Default::default(),
            rows,
        }
    }

    /// The first row of a resource number (for the id and title a group's top list shows).
    fn row_of(&self, resource: u32) -> Option<&StatRow> {
        let row = *self.first_row.get(resource as usize)?;
        self.rows.get(row as usize)
    }

    /// Whether these columns were built from `rows`.
    pub fn is_of(&self, rows: &Arc<Vec<StatRow>>) -> bool {
        Arc::ptr_eq(&self.rows, rows)
    }

    fn grouping(&self, group_by: GroupBy) -> &Grouping {
        let slot = GroupBy::ALL
            .iter()
            .position(|group| *group == group_by)
            .unwrap_or(0);
        self.groupings[slot].get_or_init(|| {
            let mut group_of: FxMap<String, u32> = FxMap::default();
            let mut keys: Vec<String> = Vec::new();
            let mut offsets = Vec::with_capacity(self.rows.len() + 1);
            let mut groups = Vec::with_capacity(self.rows.len());
            offsets.push(0);
            for row in self.rows.iter() {
                group_by.for_each_key(row, |key| {
                    let group = match group_of.get(key) {
                        Some(&group) => group,
                        None => {
                            let group = keys.len() as u32;
                            group_of.insert(key.to_string(), group);
                            keys.push(key.to_string());
                            group
                        }
                    };
                    groups.push(group);
                });
                offsets.push(groups.len() as u32);
            }
            Grouping {
                keys,
                offsets,
                groups,
            }
        })
    }
}

/// The groups (by key) and the overall group (key `all`) of the rows created in
/// `since..until` (seconds).
///
/// The most engaged resources come from one sorted list of (group, resource) pairs rather than a
/// count per resource in every group: with a thousand industry groups over 20,000 resources,
/// per-group counters meant zeroing a hundred megabytes per request.
pub fn compute(
    prepared: &Prepared,
    group_by: GroupBy,
    since: i64,
    until: i64,
) -> (Vec<Group>, Group) {
    let grouping = prepared.grouping(group_by);
    let mut accumulators: Vec<Accumulator> = Vec::new();
    accumulators.resize_with(grouping.keys.len(), Accumulator::default);
    let mut overall = Accumulator::default();
    // (group, resource number); the overall group is u32::MAX.
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (row, &created_at) in prepared.created_at.iter().enumerate() {
        if created_at < since || created_at >= until {
            continue;
        }
        let resource = prepared.resource[row];
        overall.add(prepared, row);
        pairs.push((u32::MAX, resource));
        let (start, end) = (grouping.offsets[row], grouping.offsets[row + 1]);
        for &group in &grouping.groups[start as usize..end as usize] {
            accumulators[group as usize].add(prepared, row);
            pairs.push((group, resource));
        }
    }
    let mut tops = top_resources(pairs, prepared, grouping.keys.len());
    let overall_top = tops.pop().unwrap_or_default();
    let mut groups: Vec<Group> = accumulators
        .into_iter()
        .zip(&grouping.keys)
        .zip(tops)
        .filter(|((accumulator, _), _)| accumulator.engagements > 0)
        .map(|((accumulator, key), top)| accumulator.finish(group_by, key.clone(), top))
        .collect();
    groups.sort_by(|a, b| a.key.cmp(&b.key));
    let mut overall = overall.finish(group_by, "all".to_string(), overall_top);
    overall.name = "all".to_string();
    (groups, overall)
}

/// The indicators of the group `key` over every engagement: an empty group (no engagement, no
/// median) when none counts in it.
pub fn one_group(prepared: &Prepared, group_by: GroupBy, key: &str) -> Group {
    let (groups, _) = compute(prepared, group_by, i64::MIN, i64::MAX);
    groups
        .into_iter()
        .find(|group| group.key == key)
        .unwrap_or_else(|| Group {
            key: key.to_string(),
            name: group_by.name(key),
            ..Group::default()
        })
}

/// Per group (then the overall group, last): the `TOP_RESOURCES` resources with the most pairs,
/// most first, ties by id.
fn top_resources(
    mut pairs: Vec<(u32, u32)>,
    prepared: &Prepared,
    n_groups: usize,
) -> Vec<Vec<(String, String, usize)>> {
    pairs.sort_unstable();
    let mut tops: Vec<Vec<(usize, &StatRow)>> = vec![Vec::new(); n_groups + 1];
    let order = |a: &(usize, &StatRow), b: &(usize, &StatRow)| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.resource_id.cmp(&b.1.resource_id))
    };
    let mut start = 0;
    while start < pairs.len() {
        let mut end = start;
        while end < pairs.len() && pairs[end] == pairs[start] {
            end += 1;
        }
        let (group, resource) = pairs[start];
        let slot = if group == u32::MAX {
            n_groups
        } else {
            group as usize
        };
        if let Some(row) = prepared.row_of(resource) {
            let top = &mut tops[slot];
            top.push((end - start, row));
            // Keep a small buffer, trimmed to the best few when it fills.
            if top.len() >= 4 * TOP_RESOURCES {
                top.sort_unstable_by(order);
                top.truncate(TOP_RESOURCES);
            }
        }
        start = end;
    }
    tops.into_iter()
        .map(|mut top| {
            top.sort_unstable_by(order);
            top.truncate(TOP_RESOURCES);
            top.into_iter()
                .map(|(count, row)| (row.resource_id.clone(), row.title.clone(), count))
                .collect()
        })
        .collect()
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
/// Medians are days with one decimal (`12.5`), an empty cell when there is none; `top_resources` is
/// `id:count` joined by `;`.
pub fn to_csv(groups: &[Group]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(CSV_HEADER)?;
    for group in groups {
        let mut record: Vec<String> = vec![
            escape_cell(&group.key).into_owned(),
            escape_cell(&group.name).into_owned(),
            group.engagements.to_string(),
        ];
        record.extend(group.by_status.iter().map(usize::to_string));
        record.extend(group.reached.iter().map(usize::to_string));
        record.extend((0..4).map(|index| group.rate(index).to_string()));
        for median in [
            group.median_days_intent_to_signed,
            group.median_days_signed_to_landed,
        ] {
            record.push(median.map(days_cell).unwrap_or_default());
        }
        let top_resources = group
            .top_resources
            .iter()
            .map(|(id, _, count)| format!("{id}:{count}"))
            .collect::<Vec<_>>()
            .join(";");
        record.push(escape_cell(&top_resources).into_owned());
        writer.write_record(&record)?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}

/// Days as a spreadsheet shows them: one decimal (`0.0` for a few seconds, not `0.0000057…`).
pub fn days_cell(days: f64) -> String {
    format!("{days:.1}")
}
