// The demand dashboard: reads /api/v1/demand (with the token kept in sessionStorage, if any; without
// one the public needs only) and draws coverage by province and by industry and the themes with the
// most uncovered needs as SVG bars (covered and uncovered open needs), each with its table. Chinese
// by default, English with the button (or ?lang=en); the choice is kept in localStorage. All data
// goes in as text (textContent and SVG attributes), never as markup. Below them, the enterprises a
// resource could serve: the stored needs it fits best (GET /api/v1/resources/{id}/needs), for an
// expert's or a society's page to link to with ?resource=ID.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const TOKEN_KEY = "duijie.dashboard.token";
const LANG_KEY = "duijie.dashboard.lang";
// Themes fetched (the largest), of which the most uncovered are drawn.
const THEMES_FETCHED = 200;
const THEMES_DRAWN = 20;

const WORDS = {
  zh: {
    page_title: "duijie 需求侧分析",
    title: "duijie 需求侧分析",
    switch: "English",
    token: "令牌（可不填：仅公开需求）",
    region: "地区（代码或名称）",
    since: "更新自",
    until: "更新至（不含）",
    show: "显示",
    covered: "已覆盖（有高度匹配的资源）",
    uncovered: "未覆盖",
    region_title: "各省需求覆盖",
    industry_title: "各行业需求覆盖",
    theme_title: "未覆盖最多的共性技术主题",
    table: "数据表",
    group: "分组",
    code: "代码",
    open: "开放需求",
    enterprises: "企业数",
    covered_count: "已覆盖",
    covered_share: "覆盖率",
    uncovered_count: "未覆盖",
    top_resources: "覆盖最多的资源",
    top_societies: "覆盖最多的学会",
    uncovered_needs: "未覆盖的需求（部分）",
    theme: "主题",
    none: "（未填写）",
    no_needs: "暂无开放需求",
    loading: "加载中……",
    loaded: (count, time) => `共 ${count} 条开放需求；更新于 ${time}`,
    pending: (count) => `；另有 ${count} 条需求的匹配仍在计算`,
    load_failed: "无法加载：",
    unauthorized: "令牌未被接受：请检查是否输入完整、是否已撤销。不填令牌可查看公开需求。",
    resource_title: "这项资源能服务哪些企业",
    resource_id: "资源编号（专家、成果、专利或机构）",
    find: "查找",
    need: "需求",
    enterprise: "企业",
    fit: "匹配度",
    band: "匹配程度",
    rank: "在该需求中的名次",
    resource_loaded: (total, shown) => `这项资源位列 ${total} 条开放需求的推荐结果中；显示最匹配的 ${shown} 条`,
    resource_none: "还没有开放需求的推荐结果包含这项资源",
  },
  en: {
    page_title: "duijie demand analysis",
    title: "duijie · demand analysis",
    switch: "中文",
    token: "Token (optional: public needs only without)",
    region: "Region (code or name)",
    since: "Updated since",
    until: "Updated until (exclusive)",
    show: "Show",
    covered: "covered (a strong match)",
    uncovered: "uncovered",
    region_title: "Coverage by province",
    industry_title: "Coverage by industry",
    theme_title: "Common key technologies with the most uncovered needs",
    table: "Table",
    group: "group",
    code: "code",
    open: "open needs",
    enterprises: "enterprises",
    covered_count: "covered",
    covered_share: "covered share",
    uncovered_count: "uncovered",
    top_resources: "covered most by (resources)",
    top_societies: "covered most by (societies)",
    uncovered_needs: "uncovered needs (some)",
    theme: "theme",
    none: "(none)",
    no_needs: "no open needs",
    loading: "Loading…",
    loaded: (count, time) => `${count} open needs; loaded ${time}`,
    pending: (count) => `; ${count} needs still being matched`,
    load_failed: "Could not load: ",
    unauthorized: "The token was not accepted: check that it is complete and not revoked. Leave it empty to see public needs.",
    resource_title: "Which enterprises this resource could serve",
    resource_id: "Resource id (expert, achievement, patent or organisation)",
    find: "Find",
    need: "need",
    enterprise: "enterprise",
    fit: "fit",
    band: "band",
    rank: "its rank for the need",
    resource_loaded: (total, shown) => `The resource is among the results of ${total} open needs; the ${shown} it fits best are shown`,
    resource_none: "No open need has this resource among its results yet",
  },
};

// The bands' labels, as core's `Band::label_zh` and `label_en` write them.
const BANDS = {
  zh: { strong: "高度匹配", possible: "可能匹配", weak: "弱相关", none: "不匹配" },
  en: { strong: "strong match", possible: "possible match", weak: "weak match", none: "no match" },
};
// How many needs a resource's list shows.
const RESOURCE_NEEDS = 20;

const $ = (id) => document.getElementById(id);

function startLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked) return asked === "en" ? "en" : "zh";
  return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
}

let lang = startLang();
const t = (key) => WORDS[lang][key] ?? WORDS.zh[key] ?? key;
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

function groupName(group) {
  return group.key === "(none)" ? t("none") : group.name;
}

function setStatus(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

// A table; the columns in `textColumns` are text (left-aligned, wrapped).
function fillTable(table, header, rows, textColumns) {
  table.replaceChildren();
  const head = el("thead");
  const headRow = el("tr");
  for (const title of header) headRow.append(el("th", {}, title));
  head.append(headRow);
  const body = el("tbody");
  for (const row of rows) {
    const tr = el("tr");
    row.forEach((cell, index) => tr.append(el("td", index === 0 || textColumns.includes(index) ? { class: "text" } : {}, cell)));
    body.append(tr);
  }
  table.append(head, body);
}

// Stacked horizontal bars of covered and uncovered open needs, scaled to the largest group.
function coverageChart(container, groups) {
  container.replaceChildren();
  const rowHeight = 22, labelWidth = 220, barWidth = 560, width = labelWidth + barWidth + 170;
  const chartHeight = Math.max(1, groups.length) * rowHeight + 6;
  const svg = el("svg:svg", { viewBox: `0 0 ${width} ${chartHeight}`, width, height: chartHeight, role: "img" });
  const max = Math.max(1, ...groups.map((group) => group.open));
  groups.forEach((group, index) => {
    const y = index * rowHeight + 3;
    const label = groupName(group);
    svg.append(el("svg:text", { x: labelWidth - 6, y: y + 14, "text-anchor": "end" }, label.length > 18 ? label.slice(0, 17) + "…" : label));
    const covered = (barWidth * group.covered) / max;
    const uncovered = (barWidth * group.uncovered_total) / max;
    const text = `${group.covered} / ${group.open} (${pct(group.covered_share)})`;
    const good = el("svg:rect", { x: labelWidth, y, width: Math.max(covered, 0), height: rowHeight - 6, fill: "#2b7a3d" });
    good.append(el("svg:title", {}, label + " " + t("covered_count") + ": " + group.covered));
    const bad = el("svg:rect", { x: labelWidth + covered, y, width: Math.max(uncovered, 0.5), height: rowHeight - 6, fill: "#d98f8f" });
    bad.append(el("svg:title", {}, label + " " + t("uncovered_count") + ": " + group.uncovered_total));
    svg.append(good, bad);
    svg.append(el("svg:text", { x: labelWidth + covered + uncovered + 6, y: y + 14 }, text));
  });
  if (groups.length === 0) svg.append(el("svg:text", { x: 10, y: 16 }, t("no_needs")));
  container.append(svg);
}

function names(list) {
  return list.map((item) => (item.name || item.id) + " (" + item.needs + ")").join("; ");
}

function uncoveredNeeds(group) {
  return group.uncovered.slice(0, 5).map((need) => need.title || need.id).join("; ");
}

function drawGroups(prefix, answer) {
  coverageChart($(prefix + "-chart"), answer.groups);
  fillTable($(prefix + "-table"),
    [t("group"), t("code"), t("open"), t("enterprises"), t("covered_count"), t("covered_share"), t("uncovered_count"),
      t("top_resources"), t("top_societies"), t("uncovered_needs")],
    answer.groups.map((group) => [
      groupName(group), group.key, group.open, group.enterprises, group.covered, pct(group.covered_share),
      group.uncovered_total, names(group.top_resources), names(group.top_societies), uncoveredNeeds(group),
    ]), [7, 8, 9]);
}

function drawThemes(answer) {
  const themes = answer.groups.slice()
    .sort((a, b) => b.uncovered_total - a.uncovered_total || b.open - a.open || a.key.localeCompare(b.key))
    .slice(0, THEMES_DRAWN);
  coverageChart($("theme-chart"), themes);
  fillTable($("theme-table"),
    [t("theme"), t("open"), t("enterprises"), t("covered_count"), t("covered_share"), t("uncovered_count"),
      t("uncovered_needs"), t("top_resources"), t("top_societies")],
    themes.map((group) => [
      group.name, group.open, group.enterprises, group.covered, pct(group.covered_share), group.uncovered_total,
      uncoveredNeeds(group), names(group.top_resources), names(group.top_societies),
    ]), [6, 7, 8]);
}

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("page_title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("lang").textContent = t("switch");
  if (shown.region) drawGroups("region", shown.region);
  if (shown.industry) drawGroups("industry", shown.industry);
  if (shown.theme) drawThemes(shown.theme);
  if (shown.resource) drawResource(shown.resource);
}

function query(groupBy, limit) {
  const params = new URLSearchParams({ group_by: groupBy });
  if (limit) params.set("limit", String(limit));
  if ($("region").value.trim()) params.set("region", $("region").value.trim());
  if ($("since").value) params.set("since", $("since").value);
  if ($("until").value) params.set("until", $("until").value);
  return "/api/v1/demand?" + params.toString();
}

async function fetchDemand(url) {
  const token = $("token").value.trim();
  const response = await fetch(url, { headers: token ? { Authorization: "Bearer " + token } : {} });
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    if (response.status === 401) message = t("unauthorized");
    else {
      try {
        const body = await response.json();
        if (body && body.error) message = response.status + " " + body.error.message;
      } catch (_) { /* not JSON */ }
    }
    throw new Error(message);
  }
  return response.json();
}

async function show() {
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  setStatus(t("loading"));
  try {
    const [region, industry, theme] = await Promise.all([
      fetchDemand(query("region")),
      fetchDemand(query("industry")),
      fetchDemand(query("theme", THEMES_FETCHED)),
    ]);
    Object.assign(shown, { region, industry, theme });
    drawGroups("region", region);
    drawGroups("industry", industry);
    drawThemes(theme);
    let text = t("loaded")(region.overall.open, new Date().toLocaleString(lang === "zh" ? "zh-CN" : "en"));
    if (region.pending > 0) text += t("pending")(region.pending);
    setStatus(text);
  } catch (error) {
    setStatus(t("load_failed") + error.message, true);
  }
}

function setResourceStatus(text, isError) {
  const status = $("resource-status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

// A resource's needs: each with its enterprise, the pair's fit (0–100 rounded down, as the widget
// shows it: Band::percent in core/src/score.rs) and band, and the resource's rank in the need's own
// results.
function drawResource(answer) {
  fillTable($("resource-table"),
    [t("need"), t("enterprise"), t("fit"), t("band"), t("rank")],
    answer.items.map((item) => [
      item.need.title || item.need.text.slice(0, 40) || item.need.id, item.need.organization || t("none"),
      Math.floor(item.score * 100 + 1e-9), BANDS[lang][item.band] ?? item.band, item.rank,
    ]), [1]);
  setResourceStatus(answer.total === 0 ? t("resource_none") : t("resource_loaded")(answer.total, answer.items.length));
}

async function showResource() {
  const id = $("resource-id").value.trim();
  if (!id) return;
  setResourceStatus(t("loading"));
  try {
    const answer = await fetchDemand(`/api/v1/resources/${encodeURIComponent(id)}/needs?limit=${RESOURCE_NEEDS}`);
    shown.resource = answer;
    drawResource(answer);
  } catch (error) {
    $("resource-table").replaceChildren();
    setResourceStatus(t("load_failed") + error.message, true);
  }
}

$("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
$("resource-form").addEventListener("submit", (event) => { event.preventDefault(); showResource(); });
const askedResource = new URLSearchParams(location.search).get("resource");
if (askedResource) {
  $("resource-id").value = askedResource;
  showResource();
}
$("controls").addEventListener("submit", (event) => { event.preventDefault(); show(); });
$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem(LANG_KEY, lang);
  applyLanguage();
});
applyLanguage();
show();
