// The lms-sandbox dashboard (mockserver/dashboard.py): talks to the control plane with fetch.
// No framework, no build step. Every value from the sandbox goes into the page as text, never as HTML.
"use strict";
(() => {
  const control = document.body.dataset.control;
  const state = { session: sessionStorage.getItem("lms-session") || "", seen: new Map(), apis: {}, entries: [] };
  const $ = (sel, root = document) => root.querySelector(sel);
  const body = (id) => $(`#${id} .body`);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    return node;
  }
  const field = (label, input) => el("label", {}, label, " ", input);
  const apiSelect = (name, extra = []) =>
    el("select", { name }, extra.map((v) => el("option", { value: v }, v || "(any)")), Object.keys(state.apis).map((a) => el("option", { value: a }, a)));

  function status(text, error = false) {
    const node = $("#status");
    node.textContent = text;
    node.className = error ? "error" : "";
  }

  async function call(method, path, payload) {
    const headers = {};
    if (state.session) headers["X-Sandbox-Session"] = state.session;
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(control + path, {
      method, headers, credentials: "same-origin", body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    if (!response.ok) {
      const detail = (data && (data.detail || data.title)) || response.statusText;
      status(`${method} ${path}: ${response.status} ${detail}`, true);
      throw new Error(detail);
    }
    return data;
  }
  const act = (fn) => async (event) => {
    if (event && event.preventDefault) event.preventDefault();
    try { await fn(event); await refreshAll(); } catch (error) { console.warn(error); }
  };

  // Copy as curl: a fresh command from POST /apis/{api}/curl each time (a signed token is single-use and
  // short-lived, so none is rendered into the page), shown in the box and copied.
  async function fetchCurl(box, api, request) {
    const answer = await call("POST", `/apis/${encodeURIComponent(api)}/curl`, request || {});
    const code = $("pre code", box);
    code.textContent = answer.command;
    code.parentNode.hidden = false;
    const note = $(".note", box);
    note.textContent = answer.note;
    note.hidden = false;
    if (navigator.clipboard) navigator.clipboard.writeText(answer.command).catch(() => {});
  }
  function curlBox(api, request) {
    const box = el("div", { class: "curl" }, el("button", { type: "button", class: "copy" }, "Copy as curl"),
      el("pre", { hidden: true }, el("code")), el("p", { class: "note muted", hidden: true }));
    wireCurl(box, api, request);
    return box;
  }
  function wireCurl(box, api, request) {
    $("button", box).addEventListener("click", () => fetchCurl(box, api, request).catch((error) => console.warn(error)));
  }

  // Journal: polled, new entries (by seq) appended; filters apply in the page.
  function journalForm() {
    const form = el("form", { id: "journal-filters", class: "row", oninput: renderJournal, onsubmit: (e) => e.preventDefault() },
      field("API", apiSelect("api", [""])), field("Operation", el("input", { name: "operation", size: 14 })),
      field("Status", el("input", { name: "status", size: 4, inputmode: "numeric" })),
      field("Text", el("input", { name: "text", type: "search" })),
      el("button", { type: "button", onclick: act(() => call("DELETE", "/journal").then(() => { state.seen.clear(); state.entries = []; })) }, "Clear"));
    body("journal").append(form, el("p", { id: "journal-count" }), el("ul", { id: "journal-list", class: "calls" }));
  }
  // Followed from a cursor (GET /journal?since=SEQ) by long polls, one at a time: a new epoch (a clear,
  // a reset, another session or server) starts the list over; calls the journal's bound dropped before
  // the page read them are counted, not silently lost.
  const JOURNAL_WAIT = 10;
  async function pollJournal() {
    const running = state.journalPoll;
    if (running && running.session === state.session) return;
    if (running) running.abort.abort();  // the session changed: its poll is another session's
    const mine = { session: state.session, abort: new AbortController() };
    state.journalPoll = mine;
    const held = state.journalCursor;
    const cursor = held && held.session === mine.session ? held : null;
    const path = cursor ? `/journal?since=${cursor.since}&limit=500&wait=${JOURNAL_WAIT}` : "/journal?limit=200";
    let again = false;
    try {
      const page = await fetchJournal(path, mine);
      if (state.journalPoll === mine) again = takeJournal(page, cursor);
    } finally {
      if (state.journalPoll === mine) state.journalPoll = null;
    }
    // At once after news; after an empty answer (the wait ran out, or the server is stopping), at the
    // next tick of the page's timer.
    if (again) setTimeout(() => pollJournal().catch(() => {}), 0);
  }
  async function fetchJournal(path, poll) {
    const headers = poll.session ? { "X-Sandbox-Session": poll.session } : {};
    const response = await fetch(control + path, { headers, credentials: "same-origin", signal: poll.abort.signal });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    return response.json();
  }
  // Takes a page into the list; whether it brought news (entries, or a new epoch: poll again at once).
  function takeJournal(page, cursor) {
    const fresh = !cursor || cursor.epoch !== page.epoch;
    if (fresh) { state.seen.clear(); state.entries = []; state.journalMissed = 0; }
    if (cursor && fresh) {
      state.journalCursor = null;  // seqs may start again under a new epoch: read the newest afresh
      renderJournal();
      return true;
    }
    for (const entry of page.entries) {
      if (!state.seen.has(entry.seq)) { state.seen.set(entry.seq, entry); state.entries.push(entry); }
    }
    const kept = Math.max(page.capacity || 0, 200);
    for (const gone of state.entries.splice(0, Math.max(0, state.entries.length - kept))) state.seen.delete(gone.seq);
    if (cursor) state.journalMissed += page.missed;
    state.journalCursor = { session: state.session, epoch: page.epoch, since: page.next_since };
    if (fresh || page.entries.length || page.missed) renderJournal();
    return fresh || page.entries.length > 0;
  }
  function renderJournal() {
    const form = $("#journal-filters");
    const want = Object.fromEntries(new FormData(form));
    const list = $("#journal-list");
    const shown = state.entries.filter((e) =>
      (!want.api || e.api === want.api) && (!want.status || String(e.status) === want.status.trim()) &&
      (!want.operation || (e.operation_id || "").toLowerCase().includes(want.operation.toLowerCase())) &&
      (!want.text || JSON.stringify(e).toLowerCase().includes(want.text.toLowerCase())));
    const missed = state.journalMissed ? ` · ${state.journalMissed} calls missed (dropped past the journal's bound before this page read them)` : "";
    $("#journal-count").textContent = `${shown.length} of ${state.entries.length} calls${missed}`;
    list.replaceChildren(...shown.slice().reverse().map((e) => {
      return el("li", { class: `call s${String(e.status)[0]}`, "data-seq": e.seq },
        el("details", {}, el("summary", {}, `#${e.seq} `, el("code", {}, `${e.method} ${e.path}`), ` → ${e.status} `,
          el("span", { class: "muted" }, `${e.api} ${e.operation_id || ""} ${e.fault ? "fault " + e.fault.id : ""}`)),
          el("h4", {}, "Request"), el("pre", {}, `${e.method} ${e.path}${e.query ? "?" + e.query : ""}\n\n${e.request_body || ""}`),
          el("h4", {}, "Response"), el("pre", {}, `${e.status} (${e.duration_ms} ms)${e.error ? " " + e.error : ""}\n\n${e.response_body || ""}`),
          e.kind === "webhook" ? null : curlBox(e.api, { method: e.method, path: e.path, query: e.query, body: e.request_body })));
    }));
  }

  // State: collections with counts, a record viewer, export and import.
  function stateForm() {
    const list = el("ul", {}), record = el("pre", { id: "record", tabindex: 0 });
    const view = el("div", { id: "state-view" }, list, record);
    const shown = { api: null, collection: null };
    const picker = apiSelect("api");
    const load = async (api = shown.api) => {
      const doc = await call("GET", `/state/${api}`);
      const open = (name) => { shown.collection = name; record.textContent = name in doc.collections ? JSON.stringify(doc.collections[name], null, 2) : ""; };
      shown.api = api;
      list.replaceChildren(...Object.entries(doc.collections).map(([name, records]) =>
        el("li", {}, el("button", { type: "button", onclick: () => open(name) }, `${name} (${Object.keys(records).length})`))));
      if (shown.collection) open(shown.collection);
    };
    // A read: no act(), whose refresh would load it again.
    const show = () => { shown.collection = null; record.textContent = ""; load(picker.value).catch((error) => console.warn(error)); };
    // Shown collections follow the session chosen and every change (a reset, an import).
    state.reloadState = () => (shown.api ? load() : Promise.resolve());
    const exported = act(async () => {
      const doc = await call("GET", `/state/${picker.value}`);
      const href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }));
      el("a", { href, download: `${picker.value}-state.json` }).click();
      setTimeout(() => URL.revokeObjectURL(href), 60000); // once the download has surely started
    });
    const text = el("textarea", { id: "import-text", rows: 3, cols: 50 });
    const imported = act(async () => { await call("PUT", `/state/${picker.value}`, JSON.parse(text.value)); status(`imported ${picker.value}`); });
    body("state").append(el("div", { class: "row" }, field("API", picker), el("button", { type: "button", onclick: show }, "Show collections"),
      el("button", { type: "button", onclick: exported }, "Export")), view,
      el("form", { onsubmit: imported }, field("Import (JSON as exported)", text), el("button", { type: "submit" }, "Import")));
  }

  // Faults: list, add, remove.
  function faultsForm() {
    const form = el("form", { id: "fault-form", class: "row", onsubmit: act(async () => {
      const f = Object.fromEntries(new FormData(form));
      const payload = { api: f.api, kind: f.kind };
      if (f.operation) payload.operation = f.operation;
      if (f.kind === "status") payload.status = Number(f.status || 503);
      if (f.kind === "latency") payload.latency_ms = Number(f.latency_ms || 0);
      if (f.times) payload.times = Number(f.times);
      await call("POST", "/faults", payload);
    }) }, field("API", apiSelect("api")), field("Operation", el("input", { name: "operation", size: 14, placeholder: "every" })),
      field("Kind", el("select", { name: "kind" }, ["status", "latency", "drop"].map((k) => el("option", { value: k }, k)))),
      field("Status", el("input", { name: "status", size: 4, value: "503" })), field("Latency ms", el("input", { name: "latency_ms", size: 6 })),
      field("Times", el("input", { name: "times", size: 3 })), el("button", { type: "submit" }, "Add fault"));
    body("faults").append(form, el("table", {}, el("thead", {}, el("tr", {}, ["Id", "API", "Operation", "Kind", "Status / latency", "Fired", ""].map((h) => el("th", { scope: "col" }, h)))), el("tbody", { id: "fault-rows" })));
  }
  async function refreshFaults() {
    const faults = await call("GET", "/faults");
    // Rows rebuilt only on a change: a rebuild every second would take the focus off a Remove button.
    const seen = JSON.stringify(faults);
    if (seen === state.faults) return;
    state.faults = seen;
    $("#fault-rows").replaceChildren(...faults.map((f) => el("tr", { "data-fault": f.id }, el("td", {}, f.id), el("td", {}, f.api),
      el("td", {}, f.operation || "every"), el("td", {}, f.kind), el("td", {}, f.status ?? (f.latency_ms !== undefined ? `${f.latency_ms} ms` : "")),
      el("td", { class: "fired" }, f.fired), el("td", {}, el("button", { type: "button", onclick: act(() => call("DELETE", `/faults/${encodeURIComponent(f.id)}`)) }, `Remove ${f.id}`)))));
  }

  // Clock: show, freeze, advance.
  function clockForm() {
    const form = el("form", { id: "advance-form", class: "row", onsubmit: act(async () => {
      const f = Object.fromEntries(new FormData(form));
      await call("POST", "/clock/advance", { [f.unit]: Number(f.amount) });
    }) }, field("Advance by", el("input", { name: "amount", size: 5, value: "1" })),
      field("Unit", el("select", { name: "unit" }, ["hours", "days", "minutes", "seconds"].map((u) => el("option", { value: u }, u)))),
      el("button", { type: "submit" }, "Advance"));
    body("clock").append(el("p", {}, "Now: ", el("output", { id: "clock-now" }), " ", el("span", { id: "clock-frozen" })),
      el("div", { class: "row" }, el("button", { type: "button", id: "freeze", onclick: act(() => call("PUT", "/clock", { frozen: !state.frozen })) }, "Freeze"),
        el("button", { type: "button", onclick: act(() => call("DELETE", "/clock")) }, "Back to real time")), form);
  }
  async function refreshClock() {
    const clock = await call("GET", "/clock");
    state.frozen = clock.frozen;
    $("#clock-now").textContent = clock.now;
    $("#clock-frozen").textContent = clock.frozen ? "(frozen)" : "(running)";
    $("#freeze").textContent = clock.frozen ? "Unfreeze" : "Freeze";
  }

  // Webhooks: registrations, deliveries (journal kind=webhook), vendors' own GET actions (an outbox).
  async function refreshWebhooks() {
    const [registrations, deliveries] = await Promise.all([call("GET", "/webhooks"), call("GET", "/journal?kind=webhook&limit=50")]);
    // Polled: rebuilt only when something changed, so a focused button keeps its focus.
    const seen = JSON.stringify([registrations, deliveries.epoch, deliveries.entries.map((d) => [d.seq, d.status]), Object.keys(state.apis)]);
    if (seen === state.webhooksSeen) return;
    state.webhooksSeen = seen;
    const actions = Object.values(state.apis).flatMap((api) => (api.actions || []).filter((a) => (a.methods || [a.method]).includes("GET")).map((a) => [api.name, a.name]));
    const shown = $("#action-out") ? $("#action-out").textContent : ""; // an action's answer outlives a refresh
    body("webhooks").replaceChildren(
      el("h3", {}, "Registrations"), el("ul", {}, Object.entries(registrations).map(([api, r]) => el("li", {}, `${api}: ${r.urls.length ? r.urls.join(", ") : "no URL"} (events: ${r.events.join(", ")})`))),
      el("h3", {}, `Deliveries (${deliveries.total})`), el("ul", {}, deliveries.entries.map((d) => el("li", {}, `${d.time} ${d.operation_id} → ${d.path}: ${d.status}${d.error ? " " + d.error : ""}`))),
      el("h3", {}, "Vendor actions"), el("div", { class: "row" }, actions.map(([api, name]) => el("button", { type: "button", onclick: async () => {
        // A read: no act(), whose refresh would rebuild this section under the button just pressed.
        try { $("#action-out").textContent = JSON.stringify(await call("GET", `/apis/${api}/actions/${name}`), null, 2); } catch (error) { console.warn(error); }
      } }, `${api}: ${name}`))), el("pre", { id: "action-out", tabindex: 0 }, shown));
  }

  async function refreshCoverage() {
    const report = await call("GET", "/coverage");
    const pct = (x) => (x ? `${x.covered}/${x.documented} (${x.percent}%)` : "");
    const exercised = (a) => (a.operation_list || []).filter((op) => op.calls).map((op) => `${op.id} (${Object.keys(op.statuses_seen).join(", ")})`).join("; ");
    body("coverage").replaceChildren(el("p", {}, `Operations ${pct(report.operations)}, statuses ${pct(report.statuses)}`),
      el("table", {}, el("thead", {}, el("tr", {}, ["API", "Operations", "Statuses", "Ways of refusing", "Exercised (statuses seen)"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, report.apis.map((a) => el("tr", { "data-api": a.name }, el("td", {}, a.api || a.name), el("td", {}, pct(a.operations)), el("td", {}, pct(a.statuses)),
          el("td", {}, pct(a.refusal_ways)), el("td", {}, exercised(a)))))),
      el("details", { id: "refusals-never-met" }, el("summary", {}, "Ways of refusing never met"),
        el("ul", {}, report.apis.flatMap((a) => (a.refusals || []).filter((r) => r.sentence).map((r) => el("li", {}, r.sentence))))));
  }

  function snapshotsForm() {
    const form = el("form", { id: "snapshot-form", class: "row", onsubmit: act(async () => {
      await call("POST", "/snapshots", { name: new FormData(form).get("name") });
    }) }, field("Name", el("input", { name: "name", required: true, pattern: "[A-Za-z0-9._\\-]{1,100}" })), el("button", { type: "submit" }, "Take snapshot"));
    body("snapshots").append(form, el("ul", { id: "snapshot-list" }));
  }
  async function refreshSnapshots() {
    const list = await call("GET", "/snapshots");
    $("#snapshot-list").replaceChildren(...list.snapshots.map((s) => el("li", { "data-snapshot": s.name }, `${s.name} (${s.apis.join(", ")}) `,
      el("button", { type: "button", onclick: act(async () => { await call("POST", `/snapshots/${encodeURIComponent(s.name)}/restore`); status(`restored ${s.name}`); }) }, `Restore ${s.name}`),
      el("button", { type: "button", onclick: act(() => call("DELETE", `/snapshots/${encodeURIComponent(s.name)}`)) }, `Delete ${s.name}`))));
  }

  async function refreshSessions() {
    try {
      const list = await call("GET", "/sessions");
      $("#sessions").replaceChildren(...list.sessions.map((s) => el("option", { value: s.name })));
    } catch { /* sessions may be off */ }
  }

  async function refreshAll() {
    await Promise.allSettled([pollJournal(), state.reloadState(), refreshFaults(), refreshClock(), refreshSnapshots(), refreshWebhooks(), refreshCoverage(), refreshSessions()]);
  }

  async function start() {
    // Behind a control token and without it, the page says where it goes (rendered); nothing to fetch.
    if (document.body.dataset.locked !== undefined) return;
    for (const box of document.querySelectorAll("#apis .curl[data-api]")) wireCurl(box, box.dataset.api);
    try {
      for (const api of await call("GET", "/apis")) state.apis[api.name] = api;
    } catch { return; }
    const form = $("#session-form");
    form.session.value = state.session;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      state.session = form.session.value.trim();
      sessionStorage.setItem("lms-session", state.session);
      state.seen.clear(); state.entries = [];
      status(`session: ${state.session || "default"}`);
      refreshAll();
    });
    $("#reset").addEventListener("click", act(() => call("POST", "/reset", {})));
    journalForm(); stateForm(); faultsForm(); clockForm(); snapshotsForm();
    await refreshAll();
    document.body.dataset.ready = "true";
    setInterval(() => { pollJournal().catch(() => {}); refreshFaults().catch(() => {}); }, 1000);
    setInterval(() => { refreshClock().catch(() => {}); refreshCoverage().catch(() => {}); refreshWebhooks().catch(() => {}); }, 5000);
  }
  start();
})();
