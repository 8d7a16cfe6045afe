// The engagement indicators dashboard: reads /api/v1/stats with the token kept in sessionStorage and
// draws the funnel, conversion by province and the monthly trend as SVG. All data goes in as text
// (textContent and SVG attributes), never as markup.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const TOKEN_KEY = "duijie.dashboard.token";

const $ = (id) => document.getElementById(id);

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

function setStatus(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

function query(groupBy, format) {
  const params = new URLSearchParams({ group_by: groupBy });
  if ($("since").value) params.set("since", $("since").value);
  if ($("until").value) params.set("until", $("until").value);
  if (format) params.set("format", format);
  return "/api/v1/stats?" + params.toString();
}

async function fetchStats(url) {
  const response = await fetch(url, {
    headers: { Authorization: "Bearer " + $("token").value.trim() },
  });
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try {
      const body = await response.json();
      if (body && body.error) message = response.status + " " + body.error.message;
    } catch (_) { /* not JSON */ }
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
  if (items.length === 0) svg.append(el("svg:text", { x: 10, y: 16 }, "no engagements"));
  container.append(svg);
}

function drawFunnel(overall) {
  const total = overall.engagements;
  // The funnel's statuses in order are the keys of `reached`, as the server names them; the first is
  // where every engagement starts. The statuses off the funnel (dropped) come after them.
  const funnel = Object.keys(overall.reached);
  const others = Object.keys(overall.status).filter((status) => !funnel.includes(status));
  barChart($("funnel-chart"), funnel.map((status, index) => ({
    label: status,
    value: overall.reached[status],
    max: total,
    text: overall.reached[status] + (index === 0 ? "" : "  (" + pct(overall.rates[status]) + ")"),
  })), "#3d74b6");
  fillTable($("funnel-table"),
    ["status", "ever reached", "rate of intent", "now in this status"],
    funnel.map((status, index) => [
      status,
      overall.reached[status],
      index === 0 ? "100.0%" : pct(overall.rates[status]),
      overall.status[status],
    ]).concat(others.map((status) => [status, "–", "–", overall.status[status]])));
}

function drawProvinces(groups) {
  const sorted = groups.slice().sort((a, b) => b.rates.signed - a.rates.signed || b.engagements - a.engagements);
  barChart($("province-chart"), sorted.map((group) => ({
    label: group.name,
    value: group.rates.signed,
    max: 1,
    text: pct(group.rates.signed) + " of " + group.engagements,
  })), "#2b7a3d");
  fillTable($("province-table"),
    ["province", "code", "engagements", "signed", "landed", "signed / intent", "landed / intent",
      "median days intent→signed", "median days signed→landed", "top resources"],
    sorted.map((group) => [
      group.name, group.key, group.engagements, group.reached.signed, group.reached.landed,
      pct(group.rates.signed), pct(group.rates.landed),
      days(group.median_days.intent_to_signed), days(group.median_days.signed_to_landed),
      group.top_resources.map((top) => (top.title || top.resource_id) + " (" + top.engagements + ")").join("; "),
    ]));
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
    created.append(el("svg:title", {}, group.key + " created: " + group.engagements));
    const signed = el("svg:rect", { x: x + barWidth, y: height - scale(group.reached.signed), width: barWidth, height: scale(group.reached.signed), fill: "#2b7a3d" });
    signed.append(el("svg:title", {}, group.key + " signed: " + group.reached.signed));
    svg.append(created, signed);
    if (groups.length <= 24 || index % Math.ceil(groups.length / 24) === 0) {
      svg.append(el("svg:text", { x: x + barWidth, y: height + 16, "text-anchor": "middle" }, group.key.slice(2)));
    }
  });
  container.append(svg);
  fillTable($("trend-table"), ["month", "created", "signed (of them)", "landed (of them)", "signed / intent"],
    groups.map((group) => [group.key, group.engagements, group.reached.signed, group.reached.landed, pct(group.rates.signed)]));
}

async function show() {
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  setStatus("Loading…");
  try {
    const [byRegion, byMonth] = await Promise.all([
      fetchStats(query("region")).then((response) => response.json()),
      fetchStats(query("month")).then((response) => response.json()),
    ]);
    drawFunnel(byRegion.overall);
    drawProvinces(byRegion.groups);
    drawTrend(byMonth.groups);
    setStatus(byRegion.overall.engagements + " engagements; loaded " + new Date().toLocaleString());
  } catch (error) {
    setStatus("Could not load the indicators: " + error.message, true);
  }
}

async function downloadCsv() {
  try {
    const blob = await (await fetchStats(query("region", "csv"))).blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: "engagements-by-region.csv" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (error) {
    setStatus("Could not download: " + error.message, true);
  }
}

$("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
$("controls").addEventListener("submit", (event) => { event.preventDefault(); show(); });
$("csv").addEventListener("click", downloadCsv);
if ($("token").value) show();
