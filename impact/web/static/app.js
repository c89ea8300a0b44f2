// The page of `impact serve`. It sends what the user chose and shows what the server answered:
// every number, sentence, table and chart spec comes from the library; nothing is computed here.
"use strict";
const $ = (id) => document.getElementById(id);
const EMBED = {actions: {export: true, source: false, compiled: false, editor: false}};
const state = {scenario: null, specs: {}, base: {}, run: null, pinned: null, whatif: null, timer: null};

async function call(path, body) {
  const opts = body instanceof FormData ? {method: "POST", body}
    : {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
  const response = await fetch(path, opts);
  const data = await response.json();
  return {status: response.status, data};
}

function showErrors(lines) {
  document.querySelectorAll(".key .err").forEach((el) => { el.textContent = ""; });
  const general = [];
  for (const line of lines || []) {
    const key = Object.keys(state.specs).find((k) => line.startsWith(k + ":"));
    if (key) document.querySelector(`.key[data-key="${key}"] .err`).textContent = line;
    else general.push(line);
  }
  $("errors").replaceChildren(...general.map((t) => Object.assign(document.createElement("li"), {textContent: t})));
}

function buildKeys(keys) {
  const box = $("keys");
  box.replaceChildren();
  for (const k of keys) {
    const row = document.createElement("div");
    row.className = "key";
    row.dataset.key = k.key;
    row.innerHTML = `<div class="name"></div><input type="range"><input class="spec" type="text"
      spellcheck="false"><div class="err"></div>`;
    row.querySelector(".name").textContent = k.label;
    const slider = row.querySelector("input[type=range]");
    Object.assign(slider, {min: k.min, max: k.max, step: k.step});
    slider.setAttribute("aria-label", k.label);
    const spec = row.querySelector(".spec");
    spec.setAttribute("aria-label", k.key + " spec");
    slider.addEventListener("input", () => { spec.value = slider.value; state.specs[k.key] = slider.value; schedule(150); });
    spec.addEventListener("change", () => { state.specs[k.key] = spec.value; schedule(0); });
    spec.addEventListener("keydown", (e) => { if (e.key === "Enter") { state.specs[k.key] = spec.value; schedule(0); } });
    box.appendChild(row);
  }
}

function setSpecs(specs) {
  state.base = {...specs};
  state.specs = {...specs};
  for (const [key, value] of Object.entries(specs)) {
    const row = document.querySelector(`.key[data-key="${key}"]`);
    if (!row) continue;
    row.querySelector(".spec").value = value;
    const slider = row.querySelector("input[type=range]");
    // A fixed value puts the slider there; a distribution leaves it at the middle of its range.
    if (value !== "" && !isNaN(Number(value))) slider.value = value;
    else slider.value = (Number(slider.min) + Number(slider.max)) / 2;
  }
}

function changedSpecs() {
  const out = {};
  for (const [k, v] of Object.entries(state.specs)) if (v !== state.base[k]) out[k] = v;
  return out;
}

function schedule(ms) {
  clearTimeout(state.timer);
  state.timer = setTimeout(runWhatif, ms);
}

async function runWhatif() {
  if (state.whatif) state.whatif.abort();  // the server cancels the older run too
  const controller = new AbortController();
  state.whatif = controller;
  document.body.classList.add("busy");
  $("status").textContent = "simulating…";
  const body = {scenario: state.scenario, specs: changedSpecs(), trials: $("trials").value};
  let answer;
  try {
    const response = await fetch("/api/whatif", {method: "POST", signal: controller.signal,
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    answer = {status: response.status, data: await response.json()};
  } catch (err) {
    if (err.name === "AbortError") return;
    showErrors([`the server did not answer: ${err.message}`]);
    document.body.classList.remove("busy");
    return;
  }
  if (state.whatif !== controller) return;
  document.body.classList.remove("busy");
  if (answer.status === 409) return;
  if (answer.status !== 200) { showErrors(answer.data.errors); $("status").textContent = ""; return; }
  showErrors([]);
  show(answer.data);
  if (state.pinned) compareWithPinned();
}

function show(view) {
  state.run = view.run;
  $("headline").textContent = view.headline;
  $("users-lost").textContent = view.users_lost;
  $("creators-lost").textContent = view.creators_lost;
  $("status").textContent = `${view.trials.toLocaleString("en-US")} trials, seed ${view.seed}; answered in ${view.seconds} s (${view.run})`;
  for (const [id, spec] of Object.entries(view.specs)) vegaEmbed("#" + id, spec, EMBED);
  $("table-breakdown").innerHTML = view.tables.breakdown;
  $("table-attrition").innerHTML = view.tables.attrition;
  $("table-results").innerHTML = view.tables.results;
  $("download-zip").href = `/download/${view.run}/report.zip`;
  $("download-samples").href = `/download/${view.run}/samples.csv`;
}

function table(header, rows) {
  const t = document.createElement("table");
  const tr = (cells, tag) => { const r = document.createElement("tr");
    cells.forEach((c, i) => r.appendChild(Object.assign(document.createElement(tag), {textContent: c, className: i ? "n" : ""}))); return r; };
  t.appendChild(tr(header, "th"));
  rows.forEach((row) => t.appendChild(tr(row, "td")));
  return t;
}

async function compareWithPinned() {
  $("compare").hidden = false;
  if (state.pinned === state.run) { $("compare-headline").textContent = "Change an assumption: the next run is compared with this one."; $("compare-table").replaceChildren(); return; }
  $("compare-headline").textContent = "comparing…";
  const {status, data} = await call("/api/compare", {pinned: state.pinned, current: state.run});
  if (status === 409) return;
  if (status !== 200) { $("compare-headline").textContent = data.errors.join(" "); return; }
  $("compare-headline").textContent = data.headline;
  $("compare-changes").textContent = data.changes;
  $("compare-note").textContent = data.note;
  $("compare-table").replaceChildren(table(["output (US dollars)", "mean A (pinned)", "mean B (this run)", "B − A", "paired se", "P(B < A)"], data.rows));
}

async function pin() {
  if (!state.run) return;
  state.pinned = state.run;
  $("pinned").textContent = `pinned ${state.run}`;
  compareWithPinned();
}

async function chooseScenario(ref, specs) {
  state.scenario = ref;
  if (!specs) {
    const {status, data} = await call("/api/scenario", {scenario: ref});
    if (status !== 200) { showErrors(data.errors); return; }
    specs = data.specs;
  }
  setSpecs(specs);
  schedule(0);
}

async function upload() {
  const file = $("upload").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  const {status, data} = await call("/api/upload", form);
  const list = $("upload-errors");
  if (status !== 200) {
    list.replaceChildren(...(data.errors || []).map((t) => Object.assign(document.createElement("li"), {textContent: t})));
    return;
  }
  list.replaceChildren();
  const option = Object.assign(document.createElement("option"), {value: data.id, textContent: `${data.label} (uploaded)`});
  $("scenario").appendChild(option);
  $("scenario").value = data.id;
  chooseScenario(data.id, data.specs);
}

async function runAnnual() {
  $("annual-headline").textContent = "simulating…";
  const {status, data} = await call("/api/annual", {scenario: state.scenario, specs: changedSpecs()});
  if (status === 409) return;
  if (status !== 200) { $("annual-headline").textContent = data.errors.join(" "); return; }
  $("annual-headline").textContent = data.headline;
  $("annual-table").replaceChildren(table(["annual figure", "mean", "p50", "p90", "p99", "cvar99"], data.rows));
}

async function runResilience() {
  $("resilience-headline").textContent = "simulating…";
  const {status, data} = await call("/api/resilience", {current: $("current").value, candidate: $("candidate").value});
  if (status === 409) return;
  if (status !== 200) { $("resilience-headline").textContent = data.errors.join(" "); return; }
  $("resilience-headline").textContent = data.headline;
  $("resilience-table").replaceChildren(table(["figure", "mean", "p05", "p50", "p95"], data.rows));
}

function tabs() {
  document.querySelectorAll(".tab").forEach((tab) => tab.addEventListener("click", () => {
    document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t === tab));
    document.querySelectorAll(".panel").forEach((p) => { p.hidden = p.id !== tab.dataset.panel; });
  }));
}

async function start() {
  tabs();
  const meta = await (await fetch("/api/meta")).json();
  buildKeys(meta.keys);
  $("trials").value = meta.default_trials;
  for (const name of meta.scenarios) $("scenario").appendChild(Object.assign(document.createElement("option"), {value: name, textContent: name}));
  for (const id of ["current", "candidate"]) for (const name of meta.designs) $(id).appendChild(Object.assign(document.createElement("option"), {value: name, textContent: name}));
  if (meta.designs.length > 1) $("candidate").value = meta.designs.includes("active-active") ? "active-active" : meta.designs[1];
  if (meta.designs.includes("single-site")) $("current").value = "single-site";
  $("scenario").value = meta.scenarios.includes("tiktok-us-2026") ? "tiktok-us-2026" : meta.scenarios[0];
  $("scenario").addEventListener("change", () => chooseScenario($("scenario").value));
  $("upload").addEventListener("change", upload);
  $("trials").addEventListener("change", () => schedule(0));
  $("pin").addEventListener("click", pin);
  $("run-annual").addEventListener("click", runAnnual);
  $("run-resilience").addEventListener("click", runResilience);
  chooseScenario($("scenario").value);
}
start();
