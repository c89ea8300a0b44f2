// The page of `impact serve`. It sends what the user chose and shows what the server answered:
// every number, sentence, table and chart spec comes from the library; nothing is computed here.
"use strict";
const $ = (id) => document.getElementById(id);
const EMBED = {actions: {export: true, source: false, compiled: false, editor: false}};
const state = {scenario: null, specs: {}, base: {}, run: null, pinned: null, whatif: null, timer: null,
  meta: null, runs: {annual: null, resilience: null}, done: {annual: null, resilience: null}};

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
  markStale();
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
  $("conditioned").textContent = view.conditioned;
  $("conditioned").hidden = !view.conditioned;
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
  // A cell is text, or {value, interval}: the figure, and its 95% Monte Carlo interval below it.
  const t = document.createElement("table");
  const tr = (cells, tag) => { const r = document.createElement("tr");
    cells.forEach((c, i) => {
      const cell = Object.assign(document.createElement(tag), {className: i ? "n" : "label"});
      if (typeof c === "string") cell.textContent = c;
      else {
        cell.textContent = c.value;
        if (c.interval) cell.append(document.createElement("br"), Object.assign(document.createElement("span"), {className: "ci", textContent: c.interval}));
      }
      r.appendChild(cell);
    });
    return r; };
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
  $("compare-labels").replaceChildren(...[data.label_a, data.label_b].map((t) => Object.assign(document.createElement("span"), {textContent: t})));
  $("compare-changes").textContent = data.changes;
  $("compare-note").textContent = data.note;
  $("compare-table").replaceChildren(table(data.columns, data.rows));
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

// The annual and resilience tabs: a run of about a second, or one ten times longer with a
// progress bar read from the server; a newer run of a tab (or Stop) cancels the older one.
const LONG = {annual: {unit: "years", header: ["per year", "mean", "median year", "1 year in 10 above (p90)", "1 year in 100 above (p99)", "worst 1% of years, average"]},
  resilience: {unit: "futures", header: ["figure", "mean", "5th percentile", "median", "95th percentile"]}};

function setRunLabels() {
  const [quick, long] = state.meta.annual_years;
  $("run-annual").textContent = `Simulate ${quick.toLocaleString("en-US")} years (about 1 s)`;
  $("long-annual").textContent = `Longer run: ${long.toLocaleString("en-US")} years (about 10–20 s)`;
  const [fq, fl] = state.meta.resilience_futures;
  $("run-resilience").textContent = `Compare over ${fq.toLocaleString("en-US")} futures (about 1 s)`;
  $("long-resilience").textContent = `Longer run: ${fl.toLocaleString("en-US")} futures (about 15–30 s)`;
}

async function pollProgress(kind, controller) {
  const box = $(`progress-${kind}`);
  while (state.runs[kind] === controller) {
    await new Promise((r) => setTimeout(r, 400));
    if (state.runs[kind] !== controller) break;
    try {
      const all = await (await fetch("/api/progress")).json();
      const p = all[kind];
      if (p && p.total) {
        box.querySelector("progress").value = p.done / p.total;
        box.querySelector("span").textContent = `${p.done.toLocaleString("en-US")} of ${p.total.toLocaleString("en-US")} ${LONG[kind].unit} simulated, ${p.seconds} s`;
      }
    } catch (err) { /* the answer itself reports a failure */ }
  }
}

async function runKind(kind, long) {
  if (state.runs[kind]) state.runs[kind].abort();
  const controller = new AbortController();
  state.runs[kind] = controller;
  const body = kind === "annual" ? {scenario: state.scenario, specs: changedSpecs(), long}
    : {current: $("current").value, candidate: $("candidate").value, long};
  const box = $(`progress-${kind}`);
  box.hidden = false;
  box.querySelector("progress").removeAttribute("value");  // indeterminate until the first block
  box.querySelector("span").textContent = "simulating…";
  $(`stop-${kind}`).hidden = false;
  $(`${kind}-headline`).classList.add("stale");
  pollProgress(kind, controller);
  let status, data;
  try {
    const response = await fetch(`/api/${kind}`, {method: "POST", signal: controller.signal,
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    status = response.status;
    data = await response.json();
  } catch (err) {
    if (err.name === "AbortError") return;
    status = 0;
    data = {errors: [`the server did not answer: ${err.message}`]};
  }
  if (state.runs[kind] !== controller) return;
  state.runs[kind] = null;
  box.hidden = true;
  $(`stop-${kind}`).hidden = true;
  $(`${kind}-headline`).classList.remove("stale");
  markStale();
  if (status === 409) { $(`${kind}-precision`).textContent = "Stopped; the figures above are from the previous run."; return; }
  if (status !== 200) { $(`${kind}-headline`).textContent = data.errors.join(" "); $(`${kind}-precision`).textContent = ""; return; }
  state.done[kind] = kind === "annual" ? JSON.stringify(body.specs) + body.scenario : body.current + " → " + body.candidate;
  $(`${kind}-headline`).textContent = data.headline;
  $(`${kind}-precision`).textContent = `${data.precision} Answered in ${data.seconds} s.`;
  $(`${kind}-table`).replaceChildren(table(LONG[kind].header, data.rows));
  if (kind === "annual") $("annual-notes").replaceChildren(...data.notes.map((t) => Object.assign(document.createElement("li"), {textContent: t})));
  if (kind === "annual") $("annual-details").replaceChildren(...data.details.map((t) => Object.assign(document.createElement("p"), {textContent: t})));
  markStale();
}

// What a tab's figures were run with; a tab whose settings changed since is marked stale.
function settingsOf(kind) {
  return kind === "annual" ? JSON.stringify(changedSpecs()) + state.scenario
    : $("current").value + " → " + $("candidate").value;
}

function markStale() {
  for (const kind of ["annual", "resilience"]) {
    const stale = state.done[kind] !== null && state.done[kind] !== settingsOf(kind);
    $(`stale-${kind}`).hidden = !stale;
    $(`${kind}-headline`).classList.toggle("stale", stale);
    $(`${kind}-table`).classList.toggle("stale", stale);
  }
  const base = state.meta && state.meta.resilience_base;
  $("resilience-base").textContent = base && state.scenario !== base ? state.meta.resilience_note : "";
  $("resilience-base").hidden = !$("resilience-base").textContent;
}

async function stopKind(kind) {
  await call("/api/cancel", {channel: kind});
}

function tabs() {
  document.querySelectorAll(".tab").forEach((tab) => tab.addEventListener("click", () => {
    document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t === tab));
    document.querySelectorAll(".panel").forEach((p) => { p.hidden = p.id !== tab.dataset.panel; });
    document.body.dataset.tab = tab.id;
    // A tab answers as soon as it opens (the quick run), unless it already shows these settings.
    if (tab.id === "tab-annual" && state.done.annual !== settingsOf("annual") && !state.runs.annual) runKind("annual", false);
    if (tab.id === "tab-resilience" && state.done.resilience !== settingsOf("resilience") && !state.runs.resilience) runKind("resilience", false);
  }));
}

async function start() {
  tabs();
  const meta = await (await fetch("/api/meta")).json();
  state.meta = meta;
  buildKeys(meta.keys);
  // Typed before the page had loaded: keep it (the HTML's value is the default).
  if ($("trials").value === $("trials").defaultValue) $("trials").value = meta.default_trials;
  for (const name of meta.scenarios) $("scenario").appendChild(Object.assign(document.createElement("option"), {value: name, textContent: name}));
  for (const id of ["current", "candidate"]) for (const name of meta.designs) $(id).appendChild(Object.assign(document.createElement("option"), {value: name, textContent: name}));
  if (meta.designs.length > 1) $("candidate").value = meta.designs.includes("active-active") ? "active-active" : meta.designs[1];
  if (meta.designs.includes("single-site")) $("current").value = "single-site";
  $("scenario").value = meta.scenarios.includes("tiktok-us-2026") ? "tiktok-us-2026" : meta.scenarios[0];
  $("scenario").addEventListener("change", () => chooseScenario($("scenario").value));
  $("upload").addEventListener("change", upload);
  $("trials").addEventListener("change", () => schedule(0));
  $("pin").addEventListener("click", pin);
  for (const id of ["current", "candidate"]) $(id).addEventListener("change", markStale);
  for (const kind of ["annual", "resilience"]) {
    $(`run-${kind}`).addEventListener("click", () => runKind(kind, false));
    $(`long-${kind}`).addEventListener("click", () => runKind(kind, true));
    $(`stop-${kind}`).addEventListener("click", () => stopKind(kind));
  }
  setRunLabels();
  chooseScenario($("scenario").value);
}
start();
