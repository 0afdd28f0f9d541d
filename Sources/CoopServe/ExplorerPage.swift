/// The explorer's page: plain HTML, CSS and JavaScript served by the binary (no framework, no CDN,
/// nothing fetched at run time). The charts are drawn client-side as SVG in the reports' design
/// (ColorBrewer "Blues" fan: 5–95% and 25–75% bands, median; the baseline's median dashed; observed
/// history as dots; targets as orange diamonds).
///
/// Elements the browser tests read: `#targets tbody tr` with `data-metric`, `data-year`, `data-op`,
/// `data-value`; in each, `td.prob` with `data-probability` (the CSV text of `targets.csv`);
/// `#status` with `data-seq` (the request shown) and `data-state` (`idle`, `running`, `error`).
enum ExplorerPage {
    static let html = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>coopsim explorer</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1 data-i18n="title">coopsim: scenario explorer</h1>
  <div class="lang"><button id="lang-en" class="on">English</button><button id="lang-vi">Tiếng Việt</button></div>
</header>
<section class="pick">
  <label><span data-i18n="scenario">Scenario</span> <select id="scenario"></select></label>
  <label><span data-i18n="baseline">Baseline</span> <select id="baseline"></select></label>
  <button id="reset" data-i18n="reset">Reset levers</button>
  <span id="status" data-state="idle" data-seq="0"></span>
</section>
<main>
  <section class="levers">
    <h2 data-i18n="levers">Levers and assumptions</h2>
    <p class="hint" data-i18n="leverHint">Move a slider to shift a path in every simulated year, or type a year's value. The projection re-runs on the same random paths as the baseline.</p>
    <div id="controls"></div>
    <div class="keep">
      <h2 data-i18n="keep">Keep what you found</h2>
      <label><span data-i18n="fileName">File name</span> <input id="save-name" type="text" value="" maxlength="64"></label>
      <button id="save" data-i18n="save">Save as scenario</button>
      <button id="export" data-i18n="export">Export run folder</button>
      <p id="kept" class="hint"></p>
    </div>
  </section>
  <section class="results">
    <h2 data-i18n="targets">Targets</h2>
    <table id="targets"><thead><tr>
      <th data-i18n="target">Target</th><th data-i18n="probability">Probability</th><th data-i18n="interval">95% interval</th>
      <th data-i18n="baselineProb">Baseline</th><th data-i18n="change">Change</th>
    </tr></thead><tbody></tbody></table>
    <p class="hint" id="note"></p>
    <h2 data-i18n="projections">Projections</h2>
    <label class="hint"><span data-i18n="more">More charts</span> <select id="extra-metric"></select></label>
    <div id="charts"></div>
  </section>
</main>
</body>
</html>
"""#

    static let style = #"""
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { display: flex; justify-content: space-between; align-items: center; padding: 10px 20px; background: #08306b; color: #fff; }
header h1 { font-size: 20px; margin: 0; font-weight: 600; }
.lang button { background: transparent; color: #fff; border: 1px solid #9ecae1; padding: 4px 10px; cursor: pointer; }
.lang button.on { background: #4292c6; }
.pick { padding: 10px 20px; display: flex; gap: 18px; align-items: center; flex-wrap: wrap; border-bottom: 1px solid #ddd; background: #fff; }
.pick select { font-size: 14px; padding: 3px; max-width: 360px; }
#status { color: #555; font-size: 13px; }
#status[data-state="error"] { color: #b30000; white-space: pre-wrap; }
main { display: grid; grid-template-columns: minmax(320px, 420px) 1fr; gap: 18px; padding: 14px 20px; }
h2 { font-size: 16px; margin: 6px 0 8px; color: #08306b; }
.hint { font-size: 12px; color: #555; }
.control { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 8px 10px; margin-bottom: 10px; }
.control .name { font-weight: 600; font-size: 13px; }
.control .unit { font-size: 12px; color: #555; }
.control .kind { font-size: 11px; color: #fff; background: #4292c6; border-radius: 3px; padding: 0 4px; margin-left: 4px; }
.control .kind.assumption { background: #737373; }
.control input[type=range] { width: 100%; }
.control .shift { font-size: 12px; color: #333; }
.years { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.years label { font-size: 11px; color: #555; display: flex; flex-direction: column; }
.years input { width: 78px; font-size: 12px; }
.years input.changed { background: #fff3e0; border: 1px solid #d94801; }
.keep { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 8px 10px; }
.keep input { width: 200px; }
table { border-collapse: collapse; background: #fff; font-size: 13px; width: 100%; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 5px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f4f8; }
tr.unevaluated td { color: #737373; font-style: italic; } td.reason { text-align: left; font-size: 12px; }
td.up { color: #006d2c; } td.down { color: #b30000; }
#charts { display: flex; flex-wrap: wrap; gap: 10px; }
#charts figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 4px; }
svg text { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
"""#

    static let script = #"""
"use strict";
const T = {
  en: { title: "coopsim: scenario explorer", scenario: "Scenario", baseline: "Baseline", reset: "Reset levers",
        levers: "Levers and assumptions", leverHint: "Move a slider to shift a path in every simulated year, or type a year's value. The projection re-runs on the same random paths as the baseline.",
        keep: "Keep what you found", fileName: "File name", save: "Save as scenario", export: "Export run folder",
        targets: "Targets", target: "Target", probability: "Probability", interval: "95% interval", baselineProb: "Baseline",
        change: "Change", projections: "Projections", more: "More charts", lever: "lever", assumption: "assumption", shift: "shift",
        running: "running…", done: (n, ms, s) => `${n} draws, seed ${s}, ${ms} ms`, saved: "Saved:", exported: "Exported:",
        reproduce: "Reproduce with:", median: "median", base: "baseline median", observed: "observed", pp: "pp",
        mcNote: "Probabilities are shares of paths; ± is the Monte Carlo standard error. Change is plan minus baseline on the same paths.",
        noTargets: "This scenario has no targets.", notEvaluated: "not evaluated" },
  vi: { title: "coopsim: khám phá kịch bản", scenario: "Kịch bản", baseline: "Kịch bản gốc", reset: "Đặt lại",
        levers: "Chính sách và giả định", leverHint: "Kéo thanh trượt để dịch chuyển lộ trình trong mọi năm mô phỏng, hoặc nhập giá trị từng năm. Dự báo chạy lại trên cùng các đường ngẫu nhiên với kịch bản gốc.",
        keep: "Lưu kết quả", fileName: "Tên tệp", save: "Lưu thành kịch bản", export: "Xuất thư mục kết quả",
        targets: "Mục tiêu", target: "Mục tiêu", probability: "Xác suất", interval: "Khoảng 95%", baselineProb: "Kịch bản gốc",
        change: "Thay đổi", projections: "Dự báo", more: "Thêm biểu đồ", lever: "chính sách", assumption: "giả định", shift: "dịch chuyển",
        running: "đang chạy…", done: (n, ms, s) => `${n} lần mô phỏng, hạt giống ${s}, ${ms} ms`, saved: "Đã lưu:", exported: "Đã xuất:",
        reproduce: "Tái lập bằng:", median: "trung vị", base: "trung vị kịch bản gốc", observed: "quan sát", pp: "điểm %",
        mcNote: "Xác suất là tỷ lệ số đường đạt mục tiêu; ± là sai số chuẩn Monte Carlo. Thay đổi là kịch bản trừ kịch bản gốc trên cùng các đường.",
        noTargets: "Kịch bản này không có mục tiêu.", notEvaluated: "chưa đánh giá được" }
};
let lang = "en", catalog = null, current = null, last = null;
const session = Math.random().toString(36).slice(2) + Date.now().toString(36);
let seq = 0, shown = 0, timer = null;
const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) { if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v); }
  for (const k of kids) e.append(k);
  return e;
};
const NS = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs) => { const e = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };

function t(key) { return T[lang][key]; }
function applyLang() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
  $("lang-en").classList.toggle("on", lang === "en"); $("lang-vi").classList.toggle("on", lang === "vi");
  fillScenarios(); if (current) buildControls(); if (last) render(last);
}
function title(s) { return lang === "vi" && s.title_vi ? s.title_vi : s.title; }
function fmtNum(x, share) {
  if (!isFinite(x)) return "–";
  const loc = lang === "vi" ? "vi-VN" : "en-US";
  if (share) return (100 * x).toLocaleString(loc, { maximumFractionDigits: 1 }) + "%";
  const a = Math.abs(x);
  return x.toLocaleString(loc, { maximumFractionDigits: a >= 100 ? 0 : a >= 1 ? 2 : 4 });
}
// Probabilities as the reports say them (ReportNumberFormat in the Swift reports, fmt_prob in the
// notebooks): one decimal; "< 0.1%" / "> 99.9%" where a probability strictly between 0 and 1 would
// round to 0.0% / 100.0%; 0 and 1 by the exact bound they do not exceed ("< 0.1%" for no path of
// 4,000, trailing zeros of the rounding's carry dropped), never a certain 0 or 100%; an interval bound that would print as 0.0 or 100.0 with the
// decimals of its first significant digit, rounded away from the probability.
// Ties to even as printf and Python round (1.25 -> "1.2"); JavaScript's default rounds half up.
function fixedNum(x, d) {
  const loc = lang === "vi" ? "vi-VN" : "en-US";
  return x.toLocaleString(loc, { minimumFractionDigits: d, maximumFractionDigits: d, roundingMode: "halfEven" });
}
function pct(p) { return fixedNum(100 * p, 1) + "%"; }
// A rounded bound without the trailing zeros a carry leaves ("0,10" -> "0,1"), unless that says 0.0 or 100.0.
function carried(x, d) {
  const text = fixedNum(x, d);
  let trimmed = text;
  for (let k = 1; k < d && trimmed.endsWith("0"); k++) trimmed = trimmed.slice(0, -1);
  return trimmed === fixedNum(0, 1) || trimmed === fixedNum(100, 1) ? text : trimmed;
}
function sigDigits(distance) { return Math.min(12, Math.max(1, -Math.floor(Math.log10(distance * 100)))); }
function probText(p, lo, hi) {
  if (!isFinite(p)) return "–";
  if (p === 0 && isFinite(hi) && hi > 0) { const d = sigDigits(hi), s = 10 ** d; return "< " + carried(Math.ceil(hi * 100 * s) / s, d) + "%"; }
  if (p === 1 && isFinite(lo) && lo < 1) { const d = sigDigits(1 - lo), s = 10 ** d; return "> " + carried(Math.floor(lo * 100 * s) / s, d) + "%"; }
  const text = pct(p);
  if (p > 0 && p < 1) {
    if (text === pct(0)) return "< " + pct(0.001);
    if (text === pct(1)) return "> " + pct(0.999);
  }
  return text;
}
function boundText(b, up) {
  const text = fixedNum(100 * b, 1);
  if (!(b > 0 && b < 1 && (text === fixedNum(0, 1) || text === fixedNum(100, 1)))) return text;
  if (b < 0.5) { const d = sigDigits(b), s = 10 ** d; return carried((up ? Math.ceil : Math.floor)(b * 100 * s) / s, d); }
  const d = sigDigits(1 - b), s = 10 ** d;
  return carried(100 - (up ? Math.floor : Math.ceil)((1 - b) * 100 * s) / s, d);
}
// A Monte Carlo standard error to two significant digits: "0.025%" for one path in 4,000, not "0.0%".
function seText(se) {
  if (!isFinite(se)) return "–";
  if (se === 0) return fixedNum(0, 0) + "%";
  const x = 100 * se;
  const mag = Math.floor(Math.log10(x));
  let d = Math.max(0, Math.min(12, 1 - mag));
  if (d > 0 && Number(x.toFixed(d)) >= 10 ** (mag + 1)) d -= 1;   // 0.0998 is 0.10, not 0.100 (two digits)
  return fixedNum(x, d) + "%";
}
function rowBound(r, key) { return r[key] !== undefined && r[key] !== "" ? Number(r[key]) : NaN; }

async function api(path, body) {
  const r = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const j = await r.json();
  if (!r.ok) { const e = new Error(j.error || r.statusText); e.status = r.status; throw e; }
  return j;
}

function fillScenarios() {
  const sel = $("scenario"), prev = sel.value; sel.innerHTML = "";
  for (const s of catalog.scenarios) sel.append(el("option", { value: s.name, text: `${title(s)} (${s.name})` }));
  sel.value = prev || (catalog.scenarios.find(s => s.name !== s.baseline) || catalog.scenarios[0]).name;
  const bsel = $("baseline"), bprev = bsel.value; bsel.innerHTML = "";
  const s = scenarioByName(sel.value);
  for (const b of s.baselines) { const bs = scenarioByName(b); bsel.append(el("option", { value: b, text: `${title(bs)} (${b})` })); }
  bsel.value = s.baselines.includes(bprev) ? bprev : s.baseline;
}
function scenarioByName(n) { return catalog.scenarios.find(s => s.name === n); }

function selectScenario() {
  const s = scenarioByName($("scenario").value);
  current = { s, values: {}, shift: {} };
  for (const c of s.controls) { current.values[c.name] = c.values.slice(); current.shift[c.name] = 0; }
  $("save-name").value = s.name + "-explored";
  fillScenarios(); buildControls(); schedule(0);
}

function buildControls() {
  const box = $("controls"); box.innerHTML = "";
  for (const c of current.s.controls) {
    const share = c.domain.includes("share");
    const lo = Math.min(...c.values), hi = Math.max(...c.values);
    const smin = c.min - lo, smax = c.max - hi;
    const label = lang === "vi" && c.label_vi ? c.label_vi : (c.label_en || c.name);
    const slider = el("input", { type: "range", id: `lever-${c.name}`, min: String(smin), max: String(smax), step: String(c.step), value: String(current.shift[c.name]) });
    const shiftText = el("span", { class: "shift", id: `shift-${c.name}` });
    const years = el("div", { class: "years" });
    c.years.forEach((y, k) => {
      const input = el("input", { type: "number", id: `value-${c.name}-${y}`, min: String(c.min), max: String(c.max), step: String(c.step), value: String(current.values[c.name][k]) });
      input.addEventListener("change", () => {
        const v = Number(input.value);
        if (input.value === "" || !isFinite(v)) return;
        current.values[c.name][k] = v; markChanged(c); schedule(150);
      });
      years.append(el("label", {}, String(y), input));
    });
    const updateShift = () => {
      const d = Number(slider.value); current.shift[c.name] = d;
      current.values[c.name] = c.values.map(v => roundTo(Math.min(c.max, Math.max(c.min, v + d)), c.step));
      c.years.forEach((y, k) => { $(`value-${c.name}-${y}`).value = String(current.values[c.name][k]); });
      shiftText.textContent = `${t("shift")}: ${d >= 0 ? "+" : ""}${share ? (100 * d).toFixed(1) + " " + t("pp") : fmtNum(d, false)}`;
      markChanged(c);
    };
    slider.addEventListener("input", () => { updateShift(); schedule(120); });
    box.append(el("div", { class: "control", "data-name": c.name },
      el("div", {}, el("span", { class: "name", text: label }), el("span", { class: `kind ${c.kind}`, text: t(c.kind) })),
      el("div", { class: "unit", text: `${c.name} · ${c.unit}` }), slider, shiftText, years));
    shiftText.textContent = `${t("shift")}: ${current.shift[c.name] >= 0 ? "+" : ""}${share ? (100 * current.shift[c.name]).toFixed(1) + " " + t("pp") : fmtNum(current.shift[c.name], false)}`;
    markChanged(c);
  }
}
function roundTo(v, step) {
  const digits = Math.max(0, Math.ceil(-Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(12, digits)));
}
function markChanged(c) {
  c.years.forEach((y, k) => { const i = $(`value-${c.name}-${y}`); if (i) i.classList.toggle("changed", current.values[c.name][k] !== c.values[k]); });
}

function requestBody(extra) {
  const values = {};
  for (const c of current.s.controls) {
    const changed = {};
    c.years.forEach((y, k) => { if (current.values[c.name][k] !== c.values[k]) changed[String(y)] = current.values[c.name][k]; });
    if (Object.keys(changed).length) values[c.name] = changed;
  }
  return Object.assign({ scenario: current.s.name, baseline: $("baseline").value, values, session }, extra || {});
}

function schedule(ms) { clearTimeout(timer); timer = setTimeout(runNow, ms); }
async function runNow() {
  const my = ++seq; const st = $("status");
  st.dataset.state = "running"; st.textContent = t("running");
  const started = performance.now();
  try {
    const res = await api("/api/run", requestBody({ seq: my }));
    if (my < shown) return;
    shown = my; res.ms = Math.round(performance.now() - started); last = res;
    render(res);
    st.dataset.state = "idle"; st.dataset.seq = String(my);
  } catch (e) {
    if (e.status === 409) return;
    if (my < shown) return;
    shown = my; st.dataset.state = "error"; st.dataset.seq = String(my); st.textContent = e.message;
  }
}

function rowsOf(table) { return table ? table.rows.map(r => Object.fromEntries(table.columns.map((c, i) => [c, r[i]]))) : []; }

function render(res) {
  $("status").textContent = t("done")(res.draws, res.ms === undefined ? "–" : res.ms, res.seed);
  const metrics = Object.fromEntries(rowsOf(res.metrics).map(m => [m.metric, m]));
  const label = (m) => { const d = metrics[m]; return d ? (lang === "vi" && d.label_vi ? d.label_vi : (d.label_en || m)) : m; };
  const isShare = (m) => { const d = metrics[m]; return d && (d.unit === "share" || d.unit.startsWith("share ")); };
  // What a target measures: its label_vi/label_en (targets.csv), else its metric's label.
  const targetLabel = (r) => (lang === "vi" && r.label_vi) || (lang !== "vi" && r.label_en) || (metrics[r.metric] ? label(r.metric) : (r.label_en || r.metric));
  const targets = rowsOf(res.targets);
  const mine = targets.filter(r => r.scenario === res.scenario);
  const base = targets.filter(r => r.scenario === res.baseline && res.baseline !== res.scenario);
  const tb = document.querySelector("#targets tbody"); tb.innerHTML = "";
  for (const r of mine) {
    const b = base.find(x => x.metric === r.metric && x.year === r.year && x.op === r.op && x.value === r.value);
    if (r.probability === "") {
      // A plan target the model cannot evaluate (its reason is in the file): shown, never dropped.
      tb.append(el("tr", { "data-metric": r.metric, "data-year": r.year, "data-op": r.op, "data-value": r.value, class: "unevaluated" },
        el("td", { text: `${targetLabel(r)} ${r.op} ${r.value} (${r.year})`, title: (lang === "vi" && r.source_vi) || r.source || "" }),
        el("td", { class: "prob", "data-probability": "", text: t("notEvaluated") }),
        el("td", { class: "reason", colspan: "3", text: (lang === "vi" && r.reason_vi) || r.reason || "" })));
      continue;
    }
    const p = Number(r.probability), se = Number(r.mc_se);
    const lo = r.probability_low !== undefined && r.probability_low !== "" ? Number(r.probability_low) : Math.max(0, p - 1.96 * se);
    const hi = r.probability_high !== undefined && r.probability_high !== "" ? Number(r.probability_high) : Math.min(1, p + 1.96 * se);
    const change = b ? p - Number(b.probability) : NaN;
    const tr = el("tr", { "data-metric": r.metric, "data-year": r.year, "data-op": r.op, "data-value": r.value },
      el("td", { text: `${targetLabel(r)} ${r.op} ${fmtNum(Number(r.value), isShare(r.metric))} (${r.year})`, title: (lang === "vi" && r.source_vi) || r.source || "" }),
      el("td", { class: "prob", "data-probability": r.probability, text: `${probText(p, lo, hi)} ± ${seText(se)}` }),
      el("td", { class: "ci", text: `${boundText(lo, false)} – ${boundText(hi, true)}%` }),
      el("td", { class: "base", "data-probability": b ? b.probability : "",
                 text: b ? probText(Number(b.probability), rowBound(b, "probability_low"), rowBound(b, "probability_high")) : "–" }),
      el("td", { class: "change " + (change > 0 ? "up" : change < 0 ? "down" : ""), text: isFinite(change) ? `${change >= 0 ? "+" : ""}${(100 * change).toFixed(1)} ${t("pp")}` : "–" }));
    tb.append(tr);
  }
  $("note").textContent = mine.length ? t("mcNote") : t("noTargets");
  drawCharts(res, label, isShare, mine);
}

function drawCharts(res, label, isShare, targets) {
  const box = $("charts"); box.innerHTML = "";
  const summary = rowsOf(res.summary), history = rowsOf(res.history);
  const metricsOrder = [...new Set(summary.map(r => r.metric))];
  // Charts of the metrics with targets (or the first four), plus the one chosen in "More charts".
  let shownMetrics = metricsOrder.filter(m => targets.some(t => t.metric === m));
  if (!shownMetrics.length) shownMetrics = metricsOrder.slice(0, 4);
  const extra = $("extra-metric");
  const chosen = extra.value;
  extra.innerHTML = "";
  extra.append(el("option", { value: "", text: "—" }));
  for (const m of metricsOrder.filter(m => !shownMetrics.includes(m))) extra.append(el("option", { value: m, text: label(m) }));
  if (chosen && metricsOrder.includes(chosen) && !shownMetrics.includes(chosen)) { extra.value = chosen; shownMetrics.push(chosen); }
  for (const m of shownMetrics) {
    const fan = summary.filter(r => r.scenario === res.scenario && r.metric === m).map(r => ({ y: +r.year, p05: +r.p05, p25: +r.p25, p50: +r.p50, p75: +r.p75, p95: +r.p95 }));
    const bfan = res.baseline !== res.scenario ? summary.filter(r => r.scenario === res.baseline && r.metric === m).map(r => ({ y: +r.year, p50: +r.p50 })) : [];
    const hist = history.filter(r => r.scenario === res.scenario && r.metric === m).map(r => ({ y: +r.year, v: +r.value }));
    const tg = targets.filter(r => r.metric === m).map(r => ({ y: +r.year, v: +r.value }));
    if (!fan.length) continue;
    box.append(el("figure", {}, fanChart(label(m), isShare(m), fan, bfan, hist, tg)));
  }
  for (const c of current.s.controls) {
    const after = res.controls.find(x => x.name === c.name);
    if (!after) continue;
    box.append(el("figure", {}, pathChart(c, after)));
  }
}

function scaleOf(values, share) {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (lo >= 0) lo = Math.max(0, lo - 0.05 * (hi - lo)); else lo -= 0.05 * (hi - lo);
  hi += 0.05 * (hi - lo);
  if (hi - lo < 1e-12) { const w = share ? 0.01 : Math.max(1, Math.abs(hi) * 0.1); hi += w; lo = lo >= 0 ? Math.max(0, lo - w) : lo - w; }
  const raw = (hi - lo) / 5, p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(k => k * p).find(s => s >= raw);
  lo = Math.floor(lo / step) * step; hi = Math.ceil(hi / step) * step;
  const ticks = []; for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { lo, hi, ticks };
}

function frame(w, h, titleText, years, sc, share) {
  const L = 70, R = 14, Tp = 48, B = 28;
  const svg = svgEl("svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img" });
  const x0 = Math.min(...years) - 0.4, x1 = Math.max(...years) + 0.4;
  const X = (y) => L + (y - x0) / (x1 - x0) * (w - L - R);
  const Y = (v) => h - B - (v - sc.lo) / (sc.hi - sc.lo) * (h - B - Tp);
  const title = svgEl("text", { x: 10, y: 20, "font-size": 14, "font-weight": 600, fill: "#222" }); title.textContent = titleText; svg.append(title);
  for (const v of sc.ticks) {
    svg.append(svgEl("line", { x1: L, x2: w - R, y1: Y(v), y2: Y(v), stroke: "#e3e3e3" }));
    const tx = svgEl("text", { x: L - 6, y: Y(v) + 4, "font-size": 11, "text-anchor": "end", fill: "#555" }); tx.textContent = fmtNum(v, share); svg.append(tx);
  }
  const step = Math.max(1, Math.ceil(years.length / 8));
  for (let k = 0; k < years.length; k += step) {
    const tx = svgEl("text", { x: X(years[k]), y: h - 8, "font-size": 11, "text-anchor": "middle", fill: "#555" }); tx.textContent = String(years[k]); svg.append(tx);
  }
  return { svg, X, Y };
}

function poly(pts) { return pts.map(p => p.join(",")).join(" "); }

function fanChart(name, share, fan, bfan, hist, tg) {
  const years = [...new Set(fan.map(f => f.y).concat(hist.map(h => h.y), tg.map(t => t.y)))].sort((a, b) => a - b);
  const values = fan.flatMap(f => [f.p05, f.p95, f.p50]).concat(bfan.map(b => b.p50), hist.map(h => h.v), tg.map(t => t.v)).filter(isFinite);
  const sc = scaleOf(values, share);
  const { svg, X, Y } = frame(470, 270, name, years, sc, share);
  let pts = fan.slice();
  const anchor = hist.find(h => h.y === fan[0].y - 1);
  if (anchor) pts = [{ y: anchor.y, p05: anchor.v, p25: anchor.v, p50: anchor.v, p75: anchor.v, p95: anchor.v }].concat(pts);
  svg.append(svgEl("polygon", { points: poly(pts.map(f => [X(f.y), Y(f.p95)]).concat(pts.slice().reverse().map(f => [X(f.y), Y(f.p05)]))), fill: "#9ecae1", "fill-opacity": 0.45, class: "band-5-95" }));
  svg.append(svgEl("polygon", { points: poly(pts.map(f => [X(f.y), Y(f.p75)]).concat(pts.slice().reverse().map(f => [X(f.y), Y(f.p25)]))), fill: "#4292c6", "fill-opacity": 0.55, class: "band-25-75" }));
  svg.append(svgEl("polyline", { points: poly(pts.map(f => [X(f.y), Y(f.p50)])), fill: "none", stroke: "#08306b", "stroke-width": 2.4, class: "median" }));
  if (bfan.length) {
    let bp = bfan.slice(); if (anchor) bp = [{ y: anchor.y, p50: anchor.v }].concat(bp);
    svg.append(svgEl("polyline", { points: poly(bp.map(f => [X(f.y), Y(f.p50)])), fill: "none", stroke: "#252525", "stroke-width": 1.6, "stroke-dasharray": "6 4", class: "baseline-median" }));
    if (bp.length === 1) svg.append(svgEl("circle", { cx: X(bp[0].y), cy: Y(bp[0].p50), r: 3, fill: "none", stroke: "#252525" }));
  }
  if (pts.length === 1) svg.append(svgEl("circle", { cx: X(pts[0].y), cy: Y(pts[0].p50), r: 3.5, fill: "#08306b" }));
  for (const h of hist) svg.append(svgEl("circle", { cx: X(h.y), cy: Y(h.v), r: 3.2, fill: "#252525", class: "observed" }));
  for (const g of tg) {
    const x = X(g.y), y = Y(g.v);
    svg.append(svgEl("polygon", { points: poly([[x, y - 6], [x + 6, y], [x, y + 6], [x - 6, y]]), fill: "#d94801", class: "target" }));
  }
  const leg = svgEl("text", { x: 10, y: 36, "font-size": 11, "text-anchor": "start", fill: "#555" });
  leg.textContent = `— ${t("median")}` + (bfan.length ? `  - - ${t("base")}` : "") + (hist.length ? `  ● ${t("observed")}` : "");
  svg.append(leg);
  return svg;
}

function pathChart(c, after) {
  const share = c.domain.includes("share");
  const label = lang === "vi" && c.label_vi ? c.label_vi : (c.label_en || c.name);
  const sc = scaleOf(after.values.concat(after.original), share);
  const { svg, X, Y } = frame(300, 190, label, c.years, sc, share);
  const line = (vals, attrs) => {
    if (vals.length === 1) svg.append(svgEl("circle", Object.assign({ cx: X(c.years[0]), cy: Y(vals[0]), r: 4 }, attrs.dot)));
    else svg.append(svgEl("polyline", Object.assign({ points: poly(c.years.map((y, k) => [X(y), Y(vals[k])])), fill: "none" }, attrs.line)));
  };
  line(after.original, { line: { stroke: "#737373", "stroke-width": 1.6, "stroke-dasharray": "5 4" }, dot: { fill: "none", stroke: "#737373", "stroke-width": 1.6 } });
  line(after.values, { line: { stroke: "#d94801", "stroke-width": 2.2 }, dot: { fill: "#d94801" } });
  return svg;
}

async function keep(kind) {
  const out = $("kept");
  try {
    const res = await api(`/api/${kind}`, requestBody({ name: $("save-name").value.trim() }));
    out.textContent = `${kind === "save" ? t("saved") : t("exported")} ${res.folder || res.file}. ${t("reproduce")} ${res.command}`;
    out.dataset.file = res.file; out.dataset.state = "ok";
  } catch (e) { out.textContent = e.message; out.dataset.state = "error"; }
}

window.addEventListener("DOMContentLoaded", async () => {
  $("lang-en").addEventListener("click", () => { lang = "en"; applyLang(); });
  $("lang-vi").addEventListener("click", () => { lang = "vi"; applyLang(); });
  $("scenario").addEventListener("change", selectScenario);
  $("baseline").addEventListener("change", () => schedule(0));
  $("extra-metric").addEventListener("change", () => { if (last) render(last); });
  $("reset").addEventListener("click", selectScenario);
  $("save").addEventListener("click", () => keep("save"));
  $("export").addEventListener("click", () => keep("export"));
  catalog = await api("/api/scenarios");
  fillScenarios(); selectScenario(); applyLang();
});
"""#
}
