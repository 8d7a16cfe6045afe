//! The fair day on paper and in calendars: a participant's agenda and the table plan per slot as
//! printable pages (A4, Chinese, no script), and a participant's agenda as an iCalendar file
//! (RFC 5545: CRLF lines folded at 75 octets, one VEVENT per meeting whose UID is made of the fair's
//! and the request's ids, so that a re-plan updates a calendar's entries rather than adding them, and
//! a meeting a change took out is sent as CANCELLED under its UID, so that calendars remove it).

use std::fmt::Write as _;

use crate::fair::{FairData, Meeting, MeetingRequest, Participant, Slot};
use crate::markup::escape;

/// The page's style: A4 portrait, the fonts Chinese printers have.
const STYLE: &str = "@page{size:A4;margin:15mm}\
body{font-family:'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',SimSun,sans-serif;font-size:11pt;color:#000;margin:0}\
h1{font-size:16pt;margin:0 0 4pt}h2{font-size:13pt;margin:12pt 0 4pt}p{margin:0 0 6pt}\
table{border-collapse:collapse;width:100%}th,td{border:0.5pt solid #444;padding:3pt 5pt;text-align:left;vertical-align:top}\
th{background:#eee}section{break-inside:avoid}.tentative{color:#555}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        escape(title)
    )
}

/// The other side of a meeting for `participant`, and what the meeting is about.
fn other_side<'a>(
    data: &'a FairData,
    participant: &Participant,
    request: &'a MeetingRequest,
) -> (String, String) {
    let (need, resource) = data.sides(request);
    let person = participant.person();
    let need_name = need.map_or(request.need.as_str(), |side| side.name.as_str());
    let resource_name = resource.map_or(request.resource.as_str(), |side| side.name.as_str());
    let topic = need.map_or(request.need.as_str(), |side| side.title.as_str());
    if need.is_some_and(|side| side.person() == person) {
        (resource_name.to_string(), topic.to_string())
    } else {
        (need_name.to_string(), topic.to_string())
    }
}

fn status_label(meeting: &Meeting) -> &'static str {
    if meeting.published {
        "已确认"
    } else {
        "暂定"
    }
}

/// One participant's agenda as a printable page.
pub fn agenda_html(data: &FairData, slots: &[Slot], participant: &Participant) -> String {
    let settings = &data.fair.settings;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{} · 洽谈日程</h1><p>{}（{}）</p><p>地点：{}　日期：{}</p>",
        escape(&settings.name),
        escape(&participant.name),
        escape(&participant.title),
        escape(&settings.venue),
        escape(&settings.days.join("、")),
    );
    let meetings = data.meetings_of(participant);
    if meetings.is_empty() {
        body.push_str("<p>暂无安排的洽谈。</p>");
    } else {
        body.push_str(
            "<table><thead><tr><th>日期</th><th>时间</th><th>桌号</th><th>洽谈对象</th><th>需求</th><th>状态</th></tr></thead><tbody>",
        );
        for meeting in meetings {
            let Some(request) = data.request(&meeting.request) else {
                continue;
            };
            let Some(slot) = slots.get(meeting.slot) else {
                continue;
            };
            let (other, topic) = other_side(data, participant, request);
            let _ =
                write!(
                body,
                "<tr{}><td>{}</td><td>{}–{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if meeting.published { "" } else { " class=\"tentative\"" },
                escape(&slot.day),
                slot.start,
                slot.end,
                meeting.table + 1,
                escape(&other),
                escape(&topic),
                status_label(meeting),
            );
        }
        body.push_str("</tbody></table>");
    }
    page(&format!("{} · {}", settings.name, participant.name), &body)
}

/// The table plan: for each slot with meetings, who sits at which table.
pub fn plan_html(data: &FairData, slots: &[Slot]) -> String {
    let settings = &data.fair.settings;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{} · 桌位安排</h1><p>地点：{}　共 {} 桌　第 {} 版</p>",
        escape(&settings.name),
        escape(&settings.venue),
        settings.tables,
        data.fair.revision,
    );
    if data.meetings.is_empty() {
        body.push_str("<p>尚未排期。</p>");
    }
    for slot in slots {
        let mut meetings: Vec<&Meeting> = data
            .meetings
            .iter()
            .filter(|meeting| meeting.slot == slot.index)
            .collect();
        if meetings.is_empty() {
            continue;
        }
        meetings.sort_by_key(|meeting| meeting.table);
        let _ = write!(
            body,
            "<section><h2>{} {}–{}（第 {} 时段）</h2><table><thead><tr><th>桌号</th><th>企业（需求方）</th><th>资源方</th><th>需求</th><th>状态</th></tr></thead><tbody>",
            escape(&slot.day),
            slot.start,
            slot.end,
            slot.index + 1,
        );
        for meeting in meetings {
            let Some(request) = data.request(&meeting.request) else {
                continue;
            };
            let (need, resource) = data.sides(request);
            let _ = write!(
                body,
                "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if meeting.published {
                    ""
                } else {
                    " class=\"tentative\""
                },
                meeting.table + 1,
                escape(need.map_or(&request.need, |side| &side.name)),
                escape(resource.map_or(&request.resource, |side| &side.name)),
                escape(need.map_or(&request.need, |side| &side.title)),
                status_label(meeting),
            );
        }
        body.push_str("</tbody></table></section>");
    }
    page(&format!("{} · 桌位安排", settings.name), &body)
}

/// Escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            _ => out.push(c),
        }
    }
    out
}

/// One content line, folded (RFC 5545 3.1): lines of at most 75 octets, never splitting a UTF-8
/// character, continued after CRLF and one space; ends with CRLF.
pub fn fold_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let octets = c.len_utf8();
        if width + octets > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += octets;
    }
    out.push_str("\r\n");
}

/// `YYYYMMDDTHHMMSSZ` of seconds since the epoch.
fn ics_time(seconds: i64) -> String {
    duijie_core::time::format_utc(seconds).replace(['-', ':'], "")
}

/// The UID of a request's meeting: the same for every re-plan of the fair.
pub fn uid(fair: &str, request: &str) -> String {
    format!("fair-{fair}-request-{request}@duijie")
}

/// One participant's agenda as an iCalendar file: one VEVENT per meeting (tentative until
/// published), its SEQUENCE the schedule's revision, so a calendar takes a re-plan as an update.
pub fn agenda_ics(
    data: &FairData,
    slots: &[Slot],
    participant: &Participant,
    stamp: i64,
) -> String {
    let settings = &data.fair.settings;
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//duijie//docking fair//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        fold_line(&mut out, line);
    }
    fold_line(
        &mut out,
        &format!(
            "X-WR-CALNAME:{}",
            escape_text(&format!("{} · {}", settings.name, participant.name))
        ),
    );
    // The meetings held, then those a change took out: cancelled, under the same UID with a
    // higher SEQUENCE, so that calendars remove them.
    let held = data.meetings_of(participant).into_iter().map(|meeting| {
        let status = if meeting.published {
            "CONFIRMED"
        } else {
            "TENTATIVE"
        };
        (
            &meeting.request,
            meeting.slot,
            meeting.table,
            data.fair.revision,
            status,
        )
    });
    let dropped = data.dropped_of(participant).into_iter().map(|dropped| {
        (
            &dropped.request,
            dropped.slot,
            dropped.table,
            dropped.sequence,
            "CANCELLED",
        )
    });
    for (request, slot, table, sequence, status) in held.chain(dropped) {
        let (Some(request), Some(slot)) = (data.request(request), slots.get(slot)) else {
            continue;
        };
        let (other, topic) = other_side(data, participant, request);
        let location = if settings.venue.is_empty() {
            format!("第 {} 桌", table + 1)
        } else {
            format!("{} 第 {} 桌", settings.venue, table + 1)
        };
        let lines = [
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", uid(&data.fair.id, &request.id)),
            format!("DTSTAMP:{}", ics_time(stamp)),
            format!("DTSTART:{}", ics_time(slot.starts_at)),
            format!(
                "DTEND:{}",
                ics_time(slot.starts_at + i64::from(settings.slot_minutes) * 60)
            ),
            format!("SEQUENCE:{sequence}"),
            format!("SUMMARY:{}", escape_text(&format!("对接洽谈：{other}"))),
            format!("LOCATION:{}", escape_text(&location)),
            format!(
                "DESCRIPTION:{}",
                escape_text(&format!(
                    "{}\n需求：{topic}\n匹配度：{}%",
                    settings.name,
                    duijie_core::Band::percent(request.fit)
                ))
            ),
            format!("STATUS:{status}"),
            "END:VEVENT".to_string(),
        ];
        for line in &lines {
            fold_line(&mut out, line);
        }
    }
    fold_line(&mut out, "END:VCALENDAR");
    out
}
