// The engagement indicators dashboard: reads /api/v1/stats with the token kept in sessionStorage and
// draws the funnel, conversion by province (the resource's or the enterprise's) and the monthly
// trend as SVG, a table of any grouping (fair, society, …) with its CSV, and one docking fair's
// figures (/api/v1/fairs/{id}/stats: requests, the schedule, tables used, check-ins, meetings held
// and missed, follow-ups and their later stages) as bars and a table, and precise push
// (/api/v1/push/stats: delivery attempts per day, failing and paused subscriptions with why). Chinese by default,
// English with the button (or ?lang=en); the choice is kept in localStorage. All data goes in as
// text (textContent and SVG attributes), never as markup.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const TOKEN_KEY = "duijie.dashboard.token";
const LANG_KEY = "duijie.dashboard.lang";

const WORDS = {
  zh: {
    page_title: "duijie 对接跟踪与效果评估",
    title: "duijie 对接跟踪与效果评估",
    switch: "English",
    token: "令牌（editor / admin）",
    since: "开始日期",
    until: "截止日期（不含）",
    show: "显示",
    funnel_title: "漏斗：意向 → 已联系 → 洽谈中 → 已签约 → 已落地",
    table: "数据表",
    province_title: "各省签约率（签约 / 意向）",
    province_of: "省份按",
    province_of_resource: "资源所在地",
    province_of_need: "企业所在地",
    csv: "下载 CSV",
    trend_title: "月度趋势：当月新增与其中已签约",
    created: "新增",
    signed_of_them: "已签约",
    groups_title: "分组统计",
    group_by: "分组",
    by_fair: "对接会",
    by_society: "学会",
    by_region_resource: "省份（资源所在地）",
    by_region_need: "省份（企业所在地）",
    by_discipline: "学科",
    by_industry: "行业",
    by_kind: "资源类型",
    by_month: "月份",
    status: "状态",
    ever_reached: "累计到达",
    rate_of_intent: "占意向比例",
    now_in_status: "当前处于此状态",
    province: "省份",
    code: "代码",
    group: "分组",
    engagements: "对接数",
    signed: "已签约",
    landed: "已落地",
    signed_rate: "签约 / 意向",
    landed_rate: "落地 / 意向",
    median_signed: "意向→签约中位天数",
    median_landed: "签约→落地中位天数",
    top_resources: "对接最多的资源",
    month: "月份",
    signed_them: "其中已签约",
    landed_them: "其中已落地",
    of: "，共",
    none: "（未填写）",
    no_engagements: "暂无对接记录",
    loading: "加载中……",
    loaded: (count, time) => `共 ${count} 条对接记录；更新于 ${time}`,
    load_failed: "无法加载统计：",
    download_failed: "无法下载：",
    unauthorized: "令牌未被接受：请检查是否输入完整、是否已撤销，或是否为本服务的数据目录创建（duijie token create --data 目录 --scope editor）。",
    forbidden: "此令牌不能查看统计：需要 editor 或 admin 令牌（broker 令牌只能记录意向）。",
    fair_title: "对接会统计",
    fair_pick: "对接会",
    fair_note: "签到与洽谈结果由经纪人在会场（小组件的“对接会”）记录。后续对接：“对接会”字段等于该对接会编号的对接记录，及其后续阶段。",
    fair_none: "暂无对接会",
    fair_failed: "无法加载对接会统计：",
    fair_forbidden: "此令牌不能查看对接会统计：需要 broker、editor 或 admin 令牌。",
    figure: "指标",
    value: "数值",
    fig_participants: "参会方",
    fig_needs: "企业需求",
    fig_enterprises: "企业",
    fig_resources: "资源（专家、成果、专利、机构）",
    fig_present: "出席",
    fig_absent: "已标记缺席",
    fig_requests: "洽谈申请",
    fig_suggested: "其中按推荐发送",
    fig_pending: "待答复",
    fig_accepted: "已接受",
    fig_declined: "已拒绝",
    fig_declined_because: "拒绝原因：",
    fig_cancelled: "已取消",
    fig_scheduled: "已排洽谈",
    fig_published: "已发布",
    fig_unscheduled: "已接受未排上",
    fig_tables_used: "桌位使用（时段×桌）",
    fig_checked_in: "已签到",
    fig_outcomes: "已记录结果的洽谈",
    fig_held: "已举行",
    fig_no_shows: "洽谈缺席",
    fig_wanted: "洽谈后希望继续对接",
    not_recorded: "未记录",
    fig_follow_ups: "后续对接（意向）",
    fig_reached: "曾达到：",
    fig_now: "当前：",
    push_title: "精准推送",
    push_note: "每天的投递尝试（UTC 日期，近 14 天）：送达的投递与失败的尝试（一次投递重试多次，每次失败都计入）。连续 3 天投递失败的订阅自动暂停。",
    push_failed: "无法加载推送统计：",
    push_forbidden: "此令牌不能查看推送统计：需要 editor 或 admin 令牌。",
    push_day: "日期",
    push_delivered: "送达",
    push_failures: "失败",
    push_subscriptions: "订阅",
    push_paused: "已暂停",
    push_queued: "待投递",
    push_waiting: "等待摘要的条目",
    push_subscription: "订阅",
    push_need: "需求",
    push_organization: "企业",
    push_channel: "渠道",
    push_state: "状态",
    push_why: "原因 / 最近错误",
    push_since: "失败始于",
    push_state_paused: "已暂停",
    push_state_failing: "投递失败中",
    push_no_trouble: "没有失败或暂停的订阅",
    push_reasons: { "paused by its owner": "订阅者自行暂停" },
    reasons: { not_relevant: "不相关", too_early: "为时过早", no_capacity: "无余力", other: "其他" },
    statuses: { intent: "意向", contacted: "已联系", negotiating: "洽谈中", signed: "已签约", landed: "已落地", dropped: "已终止" },
    kinds: { expert: "专家", achievement: "科技成果", patent: "专利", organization: "机构" },
  },
  en: {
    page_title: "duijie engagement indicators",
    title: "duijie · engagement follow-up and indicators",
    switch: "中文",
    token: "Token (editor / admin)",
    since: "Since",
    until: "Until (exclusive)",
    show: "Show",
    funnel_title: "Funnel: intent → contacted → negotiating → signed → landed",
    table: "Table",
    province_title: "Conversion by province (signed / intent)",
    province_of: "Province of",
    province_of_resource: "the resource",
    province_of_need: "the enterprise",
    csv: "Download CSV",
    trend_title: "Monthly trend: created, and signed of those",
    created: "created",
    signed_of_them: "signed",
    groups_title: "By group",
    group_by: "Group by",
    by_fair: "Fair",
    by_society: "Society",
    by_region_resource: "Province (of the resource)",
    by_region_need: "Province (of the enterprise)",
    by_discipline: "Discipline",
    by_industry: "Industry",
    by_kind: "Kind",
    by_month: "Month",
    status: "status",
    ever_reached: "ever reached",
    rate_of_intent: "rate of intent",
    now_in_status: "now in this status",
    province: "province",
    code: "code",
    group: "group",
    engagements: "engagements",
    signed: "signed",
    landed: "landed",
    signed_rate: "signed / intent",
    landed_rate: "landed / intent",
    median_signed: "median days intent→signed",
    median_landed: "median days signed→landed",
    top_resources: "top resources",
    month: "month",
    signed_them: "signed (of them)",
    landed_them: "landed (of them)",
    of: " of ",
    none: "(none)",
    no_engagements: "no engagements",
    loading: "Loading…",
    loaded: (count, time) => `${count} engagements; loaded ${time}`,
    load_failed: "Could not load the indicators: ",
    download_failed: "Could not download: ",
    unauthorized: "The token was not accepted: check that it is complete, not revoked, and made for this service's data folder (duijie token create --data DIR --scope editor).",
    forbidden: "This token cannot read the indicators: it takes an editor or admin token (a broker token only records intents).",
    fair_title: "Docking fair",
    fair_pick: "Fair",
    fair_note: "Check-ins and meeting outcomes are recorded by brokers at the tables (the widget's fair view). Follow-ups: the engagements whose fair is this fair's id, and their later stages.",
    fair_none: "no fairs",
    fair_failed: "Could not load the fair's figures: ",
    fair_forbidden: "This token cannot read a fair's figures: it takes a broker, editor or admin token.",
    figure: "figure",
    value: "value",
    fig_participants: "participants",
    fig_needs: "needs",
    fig_enterprises: "enterprises",
    fig_resources: "resources",
    fig_present: "present",
    fig_absent: "marked no-show",
    fig_requests: "meeting requests",
    fig_suggested: "of which suggested",
    fig_pending: "pending",
    fig_accepted: "accepted",
    fig_declined: "declined",
    fig_declined_because: "declined: ",
    fig_cancelled: "cancelled",
    fig_scheduled: "meetings scheduled",
    fig_published: "published",
    fig_unscheduled: "accepted, not scheduled",
    fig_tables_used: "tables used (slot × table)",
    fig_checked_in: "checked in",
    fig_outcomes: "meetings with an outcome",
    fig_held: "held",
    fig_no_shows: "meeting no-shows",
    fig_wanted: "follow-up wanted at the table",
    not_recorded: "not recorded",
    fig_follow_ups: "follow-ups (intents)",
    fig_reached: "reached: ",
    fig_now: "now: ",
    push_title: "Precise push",
    push_note: "Delivery attempts per UTC day, last 14 days: deliveries that went through and attempts that failed (a delivery retried several times counts each failure). A subscription whose deliveries all fail for 3 days is paused.",
    push_failed: "Could not load the push figures: ",
    push_forbidden: "This token cannot read the push figures: it takes an editor or admin token.",
    push_day: "day",
    push_delivered: "delivered",
    push_failures: "failed",
    push_subscriptions: "subscriptions",
    push_paused: "paused",
    push_queued: "deliveries queued",
    push_waiting: "items waiting for a digest",
    push_subscription: "subscription",
    push_need: "need",
    push_organization: "enterprise",
    push_channel: "channel",
    push_state: "state",
    push_why: "reason / last error",
    push_since: "failing since",
    push_state_paused: "paused",
    push_state_failing: "failing",
    push_no_trouble: "no failing or paused subscriptions",
    push_reasons: {},
    reasons: { not_relevant: "not relevant", too_early: "too early", no_capacity: "no capacity", other: "other" },
    statuses: {},
    kinds: {},
  },
};

const $ = (id) => document.getElementById(id);

function startLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked) return asked === "en" ? "en" : "zh";
  return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
}

let lang = startLang();
const t = (key) => WORDS[lang][key] ?? WORDS.zh[key] ?? key;
const statusName = (status) => WORDS[lang].statuses[status] || status;
// The last answers, redrawn when the language changes.
const shown = {};

function el(name, attrs, text) {
  const node = name.startsWith("svg:")
    ? document.createElementNS(SVG, name.slice(4))
    : document.createElement(name);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function pct(rate) {
  return (100 * rate).toFixed(1) + "%";
}

function days(value) {
  return value === null || value === undefined ? "–" : value.toFixed(1);
}

// A group's name as shown: the server's name, with kinds and "(none)" in the page's language.
function groupName(group, groupBy) {
  if (group.key === "(none)") return t("none");
  if (groupBy === "kind") return WORDS[lang].kinds[group.key] || group.name;
  return group.name;
}

function setStatus(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("page_title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("lang").textContent = t("switch");
  if (shown.region) drawFunnel(shown.region.overall);
  if (shown.region) drawProvinces(shown.region.groups);
  if (shown.month) drawTrend(shown.month.groups);
  if (shown.group) drawGroups(shown.group);
  if (shown.fairs) fillFairs(shown.fairs);
  if (shown.fair) drawFair(shown.fair);
  if (shown.push) drawPush(shown.push);
}

// `group_by` and `province_of` of a choice such as `region:need`.
function grouping(choice) {
  const [groupBy, provinceOf] = choice.split(":");
  return { groupBy, provinceOf };
}

function query(choice, format) {
  const { groupBy, provinceOf } = grouping(choice);
  const params = new URLSearchParams({ group_by: groupBy });
  if (provinceOf) params.set("province_of", provinceOf);
  if ($("since").value) params.set("since", $("since").value);
  if ($("until").value) params.set("until", $("until").value);
  if (format) params.set("format", format);
  return "/api/v1/stats?" + params.toString();
}

async function fetchStats(url, forbidden) {
  const response = await fetch(url, {
    headers: { Authorization: "Bearer " + $("token").value.trim() },
  });
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    if (response.status === 401) message = t("unauthorized");
    else if (response.status === 403) message = t(forbidden || "forbidden");
    else {
      try {
        const body = await response.json();
        if (body && body.error) message = response.status + " " + body.error.message;
      } catch (_) { /* not JSON */ }
    }
    throw new Error(message);
  }
  return response;
}

function fillTable(table, header, rows) {
  table.replaceChildren();
  const head = el("thead");
  const headRow = el("tr");
  for (const title of header) headRow.append(el("th", {}, title));
  head.append(headRow);
  const body = el("tbody");
  for (const row of rows) {
    const tr = el("tr");
    row.forEach((cell, index) => tr.append(el("td", index === 0 ? { class: "text" } : {}, cell)));
    body.append(tr);
  }
  table.append(head, body);
}

// Horizontal bars: items = [{label, value, max, text}].
function barChart(container, items, color) {
  container.replaceChildren();
  const rowHeight = 22, labelWidth = 150, barWidth = 600, width = labelWidth + barWidth + 160;
  const chartHeight = Math.max(1, items.length) * rowHeight + 6;
  const svg = el("svg:svg", { viewBox: `0 0 ${width} ${chartHeight}`, width, height: chartHeight, role: "img" });
  items.forEach((item, index) => {
    const y = index * rowHeight + 3;
    svg.append(el("svg:text", { x: labelWidth - 6, y: y + 14, "text-anchor": "end" }, item.label));
    const length = item.max > 0 ? (barWidth * item.value) / item.max : 0;
    const bar = el("svg:rect", { x: labelWidth, y, width: Math.max(length, 0.5), height: rowHeight - 6, fill: color });
    bar.append(el("svg:title", {}, item.label + ": " + item.text));
    svg.append(bar);
    svg.append(el("svg:text", { x: labelWidth + length + 6, y: y + 14 }, item.text));
  });
  if (items.length === 0) svg.append(el("svg:text", { x: 10, y: 16 }, t("no_engagements")));
  container.append(svg);
}

function drawFunnel(overall) {
  const total = overall.engagements;
  // The funnel's statuses in order are the keys of `reached`, as the server names them; the first is
  // where every engagement starts. The statuses off the funnel (dropped) come after them.
  const funnel = Object.keys(overall.reached);
  const others = Object.keys(overall.status).filter((status) => !funnel.includes(status));
  barChart($("funnel-chart"), funnel.map((status, index) => ({
    label: statusName(status),
    value: overall.reached[status],
    max: total,
    text: overall.reached[status] + (index === 0 ? "" : "  (" + pct(overall.rates[status]) + ")"),
  })), "#3d74b6");
  fillTable($("funnel-table"),
    [t("status"), t("ever_reached"), t("rate_of_intent"), t("now_in_status")],
    funnel.map((status, index) => [
      statusName(status),
      overall.reached[status],
      index === 0 ? "100.0%" : pct(overall.rates[status]),
      overall.status[status],
    ]).concat(others.map((status) => [statusName(status), "–", "–", overall.status[status]])));
}

function drawProvinces(groups) {
  const sorted = groups.slice().sort((a, b) => b.rates.signed - a.rates.signed || b.engagements - a.engagements);
  barChart($("province-chart"), sorted.map((group) => ({
    label: groupName(group, "region"),
    value: group.rates.signed,
    max: 1,
    text: pct(group.rates.signed) + t("of") + group.engagements,
  })), "#2b7a3d");
  fillTable($("province-table"),
    [t("province"), t("code"), t("engagements"), t("signed"), t("landed"), t("signed_rate"), t("landed_rate"),
      t("median_signed"), t("median_landed"), t("top_resources")],
    sorted.map((group) => [
      groupName(group, "region"), group.key, group.engagements, group.reached.signed, group.reached.landed,
      pct(group.rates.signed), pct(group.rates.landed),
      days(group.median_days.intent_to_signed), days(group.median_days.signed_to_landed),
      topResources(group),
    ]));
}

function topResources(group) {
  return group.top_resources.map((top) => (top.title || top.resource_id) + " (" + top.engagements + ")").join("; ");
}

function drawTrend(groups) {
  const container = $("trend-chart");
  container.replaceChildren();
  const height = 220, left = 40, bottom = 40, step = Math.max(18, Math.min(60, 760 / Math.max(1, groups.length)));
  const width = left + step * groups.length + 10;
  const max = Math.max(1, ...groups.map((group) => group.engagements));
  const svg = el("svg:svg", { viewBox: `0 0 ${Math.max(width, 200)} ${height + bottom}`, width: Math.max(width, 200), height: height + bottom, role: "img" });
  const scale = (value) => (height - 10) * value / max;
  svg.append(el("svg:line", { x1: left, y1: height, x2: width, y2: height, stroke: "#8a96a3" }));
  svg.append(el("svg:text", { x: left - 4, y: 14, "text-anchor": "end" }, max));
  svg.append(el("svg:text", { x: left - 4, y: height, "text-anchor": "end" }, 0));
  groups.forEach((group, index) => {
    const x = left + index * step + 2, barWidth = (step - 6) / 2;
    const created = el("svg:rect", { x, y: height - scale(group.engagements), width: barWidth, height: scale(group.engagements), fill: "#8fb3d9" });
    created.append(el("svg:title", {}, group.key + " " + t("created") + ": " + group.engagements));
    const signed = el("svg:rect", { x: x + barWidth, y: height - scale(group.reached.signed), width: barWidth, height: scale(group.reached.signed), fill: "#2b7a3d" });
    signed.append(el("svg:title", {}, group.key + " " + t("signed_of_them") + ": " + group.reached.signed));
    svg.append(created, signed);
    if (groups.length <= 24 || index % Math.ceil(groups.length / 24) === 0) {
      svg.append(el("svg:text", { x: x + barWidth, y: height + 16, "text-anchor": "middle" }, group.key.slice(2)));
    }
  });
  container.append(svg);
  fillTable($("trend-table"), [t("month"), t("created"), t("signed_them"), t("landed_them"), t("signed_rate")],
    groups.map((group) => [group.key, group.engagements, group.reached.signed, group.reached.landed, pct(group.rates.signed)]));
}

// The table of any grouping, most engagements first.
function drawGroups(answer) {
  const groupBy = answer.group_by;
  const sorted = answer.groups.slice().sort((a, b) => b.engagements - a.engagements || a.key.localeCompare(b.key));
  fillTable($("group-table"),
    [t("group"), t("code"), t("engagements"), t("signed"), t("landed"), t("signed_rate"), t("landed_rate"),
      t("median_signed"), t("median_landed"), t("top_resources")],
    sorted.map((group) => [
      groupName(group, groupBy), group.key, group.engagements, group.reached.signed, group.reached.landed,
      pct(group.rates.signed), pct(group.rates.landed),
      days(group.median_days.intent_to_signed), days(group.median_days.signed_to_landed),
      topResources(group),
    ]));
  $("group-table").dataset.groupBy = groupBy + (answer.province_of ? ":" + answer.province_of : "");
}

// The fair picker: every fair, by id, showing its name and first day.
function fillFairs(fairs) {
  const pick = $("fair-pick");
  const chosen = pick.value;
  pick.replaceChildren();
  if (fairs.length === 0) pick.append(el("option", { value: "" }, t("fair_none")));
  for (const fair of fairs) {
    pick.append(el("option", { value: fair.id }, fair.name + " (" + (fair.days[0] || "") + ")"));
  }
  if (fairs.some((fair) => fair.id === chosen)) pick.value = chosen;
}

// One fair's figures: the path from requests to signed follow-ups as bars, and every figure in a
// table. An outcome figure a server does not give (an older one: null) is said so, not drawn.
function drawFair(answer) {
  const { participants, requests, schedule, outcomes, follow_ups: followUps } = answer;
  const reasons = WORDS[lang].reasons || WORDS.zh.reasons;
  const bars = [
    [t("fig_requests"), requests.total],
    [t("fig_accepted"), requests.accepted],
    [t("fig_scheduled"), schedule.scheduled],
    [t("fig_published"), schedule.published],
    [t("fig_held"), outcomes.held || 0],
    [t("fig_follow_ups"), followUps.engagements],
  ].concat(Object.keys(followUps.reached).slice(1).map((status) =>
    [t("fig_reached") + statusName(status), followUps.reached[status]]));
  const max = Math.max(1, ...bars.map(([, value]) => value));
  barChart($("fair-chart"), bars.map(([label, value]) => ({ label, value, max, text: value })), "#3d74b6");
  const notRecorded = (value) => (value === null || value === undefined ? t("not_recorded") : value);
  const rows = [
    [t("fig_participants"), participants.total],
    [t("fig_needs"), participants.needs],
    [t("fig_enterprises"), participants.enterprises],
    [t("fig_resources"), participants.resources],
    [t("fig_present"), participants.present],
    [t("fig_absent"), participants.no_show],
    [t("fig_requests"), requests.total],
    [t("fig_suggested"), requests.suggested],
    [t("fig_pending"), requests.pending],
    [t("fig_accepted"), requests.accepted],
    [t("fig_declined"), requests.declined],
  ].concat(Object.keys(requests.decline_reasons).map((reason) =>
    [t("fig_declined_because") + (reasons[reason] || reason), requests.decline_reasons[reason]]))
    .concat([
      [t("fig_cancelled"), requests.cancelled],
      [t("fig_scheduled"), schedule.scheduled],
      [t("fig_published"), schedule.published],
      [t("fig_unscheduled"), schedule.unscheduled],
      [t("fig_tables_used"), schedule.places_used + " / " + schedule.places + " (" + pct(schedule.tables_used) + ")"],
      [t("fig_checked_in"), notRecorded(outcomes.checked_in)],
      [t("fig_outcomes"), notRecorded(outcomes.recorded)],
      [t("fig_held"), notRecorded(outcomes.held)],
      [t("fig_no_shows"), notRecorded(outcomes.no_shows)],
      [t("fig_wanted"), notRecorded(outcomes.follow_ups)],
      [t("fig_follow_ups"), followUps.engagements],
    ])
    .concat(Object.keys(followUps.reached).slice(1).map((status) =>
      [t("fig_reached") + statusName(status), followUps.reached[status]]))
    .concat(Object.keys(followUps.status).map((status) =>
      [t("fig_now") + statusName(status), followUps.status[status]]));
  fillTable($("fair-table"), [t("figure"), t("value")], rows);
  $("fair-table").dataset.fair = answer.fair;
}

function setFairStatus(text, isError) {
  const status = $("fair-status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

async function showFair() {
  const id = $("fair-pick").value;
  if (!id) {
    shown.fair = null;
    $("fair-chart").replaceChildren();
    $("fair-table").replaceChildren();
    return;
  }
  shown.fair = await (await fetchStats("/api/v1/fairs/" + encodeURIComponent(id) + "/stats", "fair_forbidden")).json();
  drawFair(shown.fair);
}

// Loaded apart from the indicators: a broker token reads the fairs' figures but not /api/v1/stats.
async function showFairs() {
  try {
    const answer = await (await fetchStats("/api/v1/fairs", "fair_forbidden")).json();
    shown.fairs = answer.items;
    fillFairs(shown.fairs);
    await showFair();
    setFairStatus("");
  } catch (error) {
    setFairStatus(t("fair_failed") + error.message, true);
  }
}

function setPushStatus(text, isError) {
  const status = $("push-status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

// The push figures: attempts per day as bars (delivered / failed) and a table, the counts, and the
// subscriptions that fail or are paused with why.
function drawPush(answer) {
  const max = Math.max(1, ...answer.days.map((day) => day.delivered + day.failed));
  barChart($("push-chart"), answer.days.map((day) => ({
    label: day.day, value: day.delivered + day.failed, max, text: day.delivered + " / " + day.failed,
  })), "#3d74b6");
  fillTable($("push-days"), [t("push_day"), t("push_delivered"), t("push_failures")],
    answer.days.map((day) => [day.day, day.delivered, day.failed]));
  const counts = answer.counts;
  fillTable($("push-counts"), [t("figure"), t("value")], [
    [t("push_subscriptions"), counts.subscriptions],
    [t("push_paused"), counts.paused],
    [t("push_queued"), counts.queued],
    [t("push_delivered"), counts.delivered],
    [t("push_waiting"), counts.waiting_items],
  ]);
  const reasons = WORDS[lang].push_reasons;
  const trouble = answer.failing.concat(answer.paused).map((item) => [
    item.id, item.need_id, item.organization, item.channel,
    t(item.paused ? "push_state_paused" : "push_state_failing"),
    (item.paused ? reasons[item.paused_reason] || item.paused_reason : item.last_error) || "",
    item.failing_since || "",
  ]);
  if (trouble.length === 0) trouble.push([t("push_no_trouble"), "", "", "", "", "", ""]);
  fillTable($("push-trouble"), [t("push_subscription"), t("push_need"), t("push_organization"),
    t("push_channel"), t("push_state"), t("push_why"), t("push_since")], trouble);
  $("push-trouble").dataset.loaded = "yes";
}

// Loaded apart from the indicators, with its own message.
async function showPush() {
  try {
    shown.push = await (await fetchStats("/api/v1/push/stats", "push_forbidden")).json();
    drawPush(shown.push);
    setPushStatus("");
  } catch (error) {
    setPushStatus(t("push_failed") + error.message, true);
  }
}

const provinceChoice = () => "region:" + $("province-of").value;

async function showProvinces() {
  shown.region = await (await fetchStats(query(provinceChoice()))).json();
  drawFunnel(shown.region.overall);
  drawProvinces(shown.region.groups);
}

async function showGroups() {
  shown.group = await (await fetchStats(query($("group-by").value))).json();
  drawGroups(shown.group);
}

async function show() {
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  setStatus(t("loading"));
  showFairs();
  showPush();
  try {
    const [, month] = await Promise.all([
      showProvinces(),
      fetchStats(query("month")).then((response) => response.json()),
      showGroups(),
    ]);
    shown.month = month;
    drawTrend(month.groups);
    setStatus(t("loaded")(shown.region.overall.engagements, new Date().toLocaleString(lang === "zh" ? "zh-CN" : "en")));
  } catch (error) {
    setStatus(t("load_failed") + error.message, true);
  }
}

async function downloadCsv(choice) {
  try {
    const response = await fetchStats(query(choice, "csv"));
    const disposition = response.headers.get("content-disposition") || "";
    const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || "engagements.csv";
    const blob = await response.blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (error) {
    setStatus(t("download_failed") + error.message, true);
  }
}

$("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
$("controls").addEventListener("submit", (event) => { event.preventDefault(); show(); });
$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem(LANG_KEY, lang);
  applyLanguage();
});
$("province-of").addEventListener("change", () => {
  if ($("token").value) showProvinces().catch((error) => setStatus(t("load_failed") + error.message, true));
});
$("group-by").addEventListener("change", () => {
  if ($("token").value) showGroups().catch((error) => setStatus(t("load_failed") + error.message, true));
});
$("fair-pick").addEventListener("change", () => {
  if ($("token").value) {
    showFair().then(() => setFairStatus(""), (error) => setFairStatus(t("fair_failed") + error.message, true));
  }
});
$("province-csv").addEventListener("click", () => downloadCsv(provinceChoice()));
$("group-csv").addEventListener("click", () => downloadCsv($("group-by").value));
applyLanguage();
if ($("token").value) show();
