// The offline workspace: a trainer's sessions kept in IndexedDB, edited with no network, every edit
// queued as a change with an id made here, sent in order to the sync endpoint when the network is back.
const root = document.getElementById("fk");
const T = JSON.parse(document.getElementById("fk-text").textContent);
const $ = (selector) => root.querySelector(selector);
// The login the page was opened under: every change is recorded with it, and a queue or a copy of the
// sessions left on a shared phone by another login is neither sent nor shown under this one.
const USER = Number(root.dataset.user);
const state = { sessions: [], people: {}, byId: new Map(), takenAt: null, owner: null, current: null };

// --- IndexedDB --------------------------------------------------------------------------------
const opened = new Promise((resolve, reject) => {
  const request = indexedDB.open("mps-field", 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore("kept");
    request.result.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
  };
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

async function tx(store, mode, work) {
  const db = await opened;
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const request = work(t.objectStore(store));
    t.oncomplete = () => resolve(request && request.result);
    t.onerror = () => reject(t.error);
  });
}
const get = (key) => tx("kept", "readonly", (s) => s.get(key));
const keep = (key, value) => tx("kept", "readwrite", (s) => s.put(value, key));
const all = () => tx("outbox", "readonly", (s) => s.getAll());
// A change queued before changes carried their login belongs to the login whose sessions were kept.
const mine = (change) => Number(change.user ?? state.owner ?? USER) === USER;
const outbox = async () => (await all()).filter(mine);

// --- Helpers ----------------------------------------------------------------------------------
const DIGITS = { "٠": 0, "١": 1, "٢": 2, "٣": 3, "٤": 4, "٥": 5, "٦": 6, "٧": 7, "٨": 8, "٩": 9, "٫": "." };
const western = (text) => String(text).trim().replace(/[٠-٩٫]/g, (c) => DIGITS[c]).replace(/[۰-۹]/g, (c) => c.charCodeAt(0) - 0x6f0);
// As lms.text.normalize_arabic: one spelling for the letters people write several ways.
const normal = (text) =>
  String(text || "")
    .replace(/[\u064b-\u0652\u0640]/g, "")
    .replace(/[أإآٱ]/g, "ا")
    .replace(/ة/g, "ه")
    .replace(/ى/g, "ي")
    .toLowerCase();
const el = (tag, { dataset, ...props } = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset || {});
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};
const cookie = (name) => (document.cookie.match("(^|;)\\s*" + name + "=([^;]*)") || [])[2] || "";
const csrf = () => cookie("csrftoken") || (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key]);

function say(text, bad = false) {
  const box = $("[data-message]");
  box.textContent = text;
  box.hidden = !text;
  box.classList.toggle("fk-bad", bad);
}

function label(row) {
  const person = row.person ? state.byId.get(row.person) : null;
  if (person) return `${person[2]} (${person[1]})`;
  return `${row.name || "?"} (${row.number || "—"})`;
}

// --- Loading and taking offline ---------------------------------------------------------------
async function load() {
  let kept = (await get("sessions")) || {};
  if (kept.user !== undefined && Number(kept.user) !== USER) {
    // Another login's sessions and people: not for this one's eyes. Their queued changes stay.
    await tx("kept", "readwrite", (s) => {
      s.delete("sessions");
      s.delete("people");
    });
    kept = {};
  }
  state.owner = kept.user ?? null;
  state.sessions = kept.sessions || [];
  state.takenAt = kept.taken_at || null;
  state.governorates = kept.governorates || {};
  state.people = (await get("people")) || {};
  state.byId = new Map();
  for (const list of Object.values(state.people)) for (const p of list) state.byId.set(p[0], p);
  drawSessions();
}

function drawSessions() {
  $("[data-sessions]").replaceChildren(
    ...state.sessions.map((s) => {
      const button = el("button", { type: "button", textContent: `${s.ref} · ${s.course} · ${s.start} – ${s.end} (${s.roster.length})` });
      button.dataset.sessionId = s.id;
      button.addEventListener("click", () => open(s.id));
      return button;
    })
  );
}

async function take() {
  if ((await outbox()).length) return say(T.pendingFirst, true);
  let bundle;
  try {
    const response = await fetch(root.dataset.bundle, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(response.status);
    bundle = await response.json();
  } catch (error) {
    return say(T.syncFailed, true);
  }
  const people = bundle.people;
  people.roster = bundle.roster_people;
  await keep("people", people);
  await keep("sessions", {
    user: bundle.user,
    sessions: bundle.sessions,
    taken_at: bundle.taken_at,
    governorates: bundle.governorates,
  });
  const current = state.current && state.current.id;
  await load();
  open(current);
  await status(); // the status line names the sessions just taken, like the list below it
  say(fill(T.took, { n: bundle.sessions.length }));
  root.dataset.took = String(bundle.sessions.length);
}

const save = () =>
  keep("sessions", { user: state.owner ?? USER, sessions: state.sessions, taken_at: state.takenAt, governorates: state.governorates });

// The phone's own date: a day that came after the sessions were taken offline can be ticked (the server
// still refuses a day that has not come).
function localToday() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

// --- Recording changes ------------------------------------------------------------------------
async function record(kind, row, fields) {
  const change = {
    id: crypto.randomUUID(),
    kind,
    user: USER,
    session: state.current.id,
    seen_at: state.takenAt,
    recorded_at: new Date().toISOString(),
    ...(row ? (row.person ? { person: row.person } : { person_ref: row.ref }) : {}),
    ...fields,
  };
  await tx("outbox", "readwrite", (s) => s.add(change));
  await save();
  await status();
  return change;
}

function grid(session) {
  const today = localToday();
  const head = el("tr", {}, el("th", { scope: "col", textContent: T.person }));
  for (const day of session.days) head.append(el("th", { scope: "col", textContent: day.slice(5) }));
  head.append(el("th", { textContent: T.pre }), el("th", { textContent: T.post }), el("th", { textContent: T.outcome }));
  const body = el("tbody");
  session.roster.forEach((row, index) => {
    const tr = el("tr", { dataset: { row: index } }, el("th", { scope: "row", textContent: label(row) }));
    for (const day of session.days) {
      const box = el("input", { type: "checkbox", checked: row.days.includes(day), disabled: day > today });
      box.dataset.day = day;
      box.setAttribute("aria-label", `${label(row)} ${day}`);
      box.addEventListener("change", () => {
        const base = row.days.includes(day);
        row.days = box.checked ? [...row.days, day] : row.days.filter((d) => d !== day);
        record("attendance", row, { day, present: box.checked, base });
      });
      tr.append(el("td", {}, box));
    }
    for (const field of ["pre_score", "post_score"]) {
      const input = el("input", { value: row[field] ?? "", inputMode: "decimal", dir: "ltr", size: 4 });
      input.dataset.field = field;
      input.setAttribute("aria-label", `${label(row)} ${field === "pre_score" ? T.pre : T.post}`);
      input.addEventListener("change", () => {
        const value = western(input.value);
        const number = Number(value);
        if (value === "" || Number.isNaN(number) || number < 0 || number > 100) {
          input.setAttribute("aria-invalid", "true");
          return say(T.badScore, true);
        }
        input.removeAttribute("aria-invalid");
        const base = row[field];
        row[field] = value;
        record("score", row, { field, value, base });
      });
      tr.append(el("td", {}, input));
    }
    const outcome = el("select", { dataset: { field: "outcome" } });
    for (const [value, text] of Object.entries(T.outcomes)) outcome.append(el("option", { value, textContent: text, selected: row.outcome === value }));
    outcome.setAttribute("aria-label", `${label(row)} ${T.outcome}`);
    outcome.addEventListener("change", () => {
      const base = row.outcome;
      row.outcome = outcome.value;
      record("outcome", row, { outcome: outcome.value, base });
    });
    tr.append(el("td", {}, outcome));
    body.append(tr);
  });
  return [el("thead", {}, head), body];
}

function open(id) {
  state.current = state.sessions.find((s) => s.id === id) || null;
  const section = $("[data-session]");
  section.hidden = !state.current;
  for (const button of document.querySelectorAll("[data-sessions] button")) {
    if (Number(button.dataset.sessionId) === id) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
  if (!state.current) return;
  const s = state.current;
  $("[data-session-title]").textContent = `${s.ref} · ${s.course_title} · ${s.start} – ${s.end}`;
  $("[data-grid]").replaceChildren(...grid(s));
  search();
}

function search() {
  const list = $("[data-results]");
  const text = $("[data-search]").value.trim();
  if (!state.current || text.length < 2) return list.replaceChildren();
  const needle = normal(text);
  const number = western(text);
  const on = new Set(state.current.roster.map((r) => r.person));
  const pool = state.people[state.current.governorate] || [];
  const found = pool.filter((p) => !on.has(p[0]) && (p[1].startsWith(number) || normal(p[2]).includes(needle) || normal(p[3]).includes(needle)));
  list.replaceChildren(
    ...found.slice(0, 20).map((p) => {
      const button = el("button", { type: "button", textContent: T.add });
      button.addEventListener("click", () => {
        const row = { person: p[0], days: [], pre_score: null, post_score: null, outcome: "incomplete" };
        state.current.roster.push(row);
        record("participant_add", row, {});
        open(state.current.id);
      });
      return el("li", {}, `${p[2]} (${p[1]}) `, button);
    })
  );
  if (!found.length) list.append(el("li", { textContent: T.noMatch }));
}

async function create() {
  const value = (name) => root.querySelector(`[data-new="${name}"]`).value.trim();
  const gender = root.querySelector("[data-new-gender]:checked");
  const number = western(value("service_number"));
  if (!number || !value("name_ar") || !gender) return say(T.newMissing, true);
  const taken = [...state.byId.values()].some((p) => p[1] === number) || state.current.roster.some((r) => r.number === number);
  if (taken) return say(T.numberTaken, true);
  const id = crypto.randomUUID();
  const row = { person: null, ref: id, name: value("name_ar"), number, days: [], pre_score: null, post_score: null, outcome: "incomplete" };
  state.current.roster.push(row);
  const change = {
    id,
    kind: "person_create",
    user: USER,
    session: state.current.id,
    seen_at: state.takenAt,
    recorded_at: new Date().toISOString(),
    service_number: number,
    name_ar: row.name,
    gender: gender.value,
    governorate: state.current.governorate,
  };
  // The form is emptied before the writes are awaited: a trainer typing the next person meanwhile
  // must not see what they typed wiped when this one's write completes.
  for (const input of root.querySelectorAll("[data-new]")) input.value = "";
  gender.checked = false;
  say("");
  open(state.current.id);
  await tx("outbox", "readwrite", (s) => s.add(change));
  await save();
  status();
}

// --- What is pending, and sending it ----------------------------------------------------------
function describe(change) {
  const session = state.sessions.find((s) => s.id === change.session);
  const row = session && session.roster.find((r) => (change.person ? r.person === change.person : r.ref === (change.person_ref || change.id)));
  const who = row ? label(row) : change.person || "";
  const what = {
    attendance: () => `${T.attendance} ${change.day}: ${change.present ? T.present : T.absent}`,
    score: () => `${change.field === "pre_score" ? T.pre : T.post}: ${change.value}`,
    outcome: () => `${T.outcome}: ${T.outcomes[change.outcome]}`,
    participant_add: () => T.added,
    person_create: () => T.newPerson,
  }[change.kind];
  return `${session ? session.ref : ""} · ${who} · ${what ? what() : change.kind}`;
}

// The time on the phone's clock and in the page's language, with the digits the site writes (0–9).
function localTime(iso) {
  const lang = document.documentElement.lang || "ar";
  const locale = lang.startsWith("ar") ? "ar-IQ-u-nu-latn" : lang;
  return new Date(iso).toLocaleString(locale, { dateStyle: "long", timeStyle: "short" });
}

async function status() {
  const pending = await outbox();
  $("[data-net]").textContent = navigator.onLine ? T.online : T.offline;
  $("[data-pending]").textContent = `${pending.length} ${T.pending}`;
  $("[data-pending]").dataset.count = pending.length;
  $("[data-taken]").textContent = !state.takenAt
    ? T.never
    : `${state.sessions.length ? T.taken : T.noneOpen} ${localTime(state.takenAt)}`;
  $("[data-taken]").dataset.at = state.takenAt || "";
  $("[data-outbox]").replaceChildren(...pending.slice(-200).map((c) => el("li", { textContent: describe(c) })));
  const others = (await all()).length - pending.length;
  $("[data-other-login]").textContent = others ? fill(T.otherLogin, { n: others }) : "";
  $("[data-other-login]").hidden = !others;
  const notApplied = ((await get("conflicts")) || []).filter((r) => r.user === USER);
  $("[data-conflicts]").replaceChildren(
    ...notApplied.map((r) => {
      const dismiss = el("button", { type: "button", textContent: T.dismiss });
      dismiss.addEventListener("click", () => forget(r.id));
      return el("li", { dataset: { code: r.code, status: r.status } }, `${r.status}: ${r.message} `, dismiss);
    })
  );
}

// A change the server refused as another login's is that login's to send: it stays in the queue.
const OTHER_LOGIN = "change_of_another_login";
const answeredForGood = (result) => result.code !== OTHER_LOGIN;

// What was not applied stays listed (a refused change, with the change itself) until it is dismissed.
async function remember(results, pending) {
  const sent = new Map(pending.map((c) => [c.id, c]));
  const kept = (await get("conflicts")) || [];
  const known = new Set(kept.map((r) => r.id));
  const fresh = results
    .filter((r) => r.status !== "applied" && answeredForGood(r) && !known.has(r.id))
    .map((r) => ({ ...r, user: USER, change: r.status === "refused" ? sent.get(r.id) || null : null }));
  await keep("conflicts", [...kept, ...fresh]);
}

async function forget(id) {
  const kept = (await get("conflicts")) || [];
  await keep("conflicts", kept.filter((r) => !(r.id === id && r.user === USER)));
  await status();
}

let sending = null;
function sync() {
  if (!sending) sending = send().finally(() => (sending = null));
  return sending;
}

async function send() {
  const pending = await outbox();
  if (!pending.length) {
    await status();
    return finished();
  }
  let body;
  try {
    const response = await fetch(root.dataset.sync, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ changes: pending.map(({ seq, ...change }) => change) }),
    });
    if (!response.ok) throw new Error(response.status);
    body = await response.json();
  } catch (error) {
    say(T.syncFailed, true);
    await status();
    return finished();
  }
  if (body.user !== undefined && Number(body.user) !== USER) {
    // Another login is signed in than the one this page was opened under (a page kept on the phone, a tab
    // left open while another trainer signed in): nothing of the answer is recorded, and the page opens
    // again under the signed-in login, where this queue shows as waiting for its own login.
    location.reload();
    return;
  }
  // Every answered change leaves the queue, but another login's; a refused one is kept with the list of
  // those not applied.
  const answered = new Set(body.results.filter(answeredForGood).map((r) => r.id));
  await remember(body.results, pending);
  await tx("outbox", "readwrite", (s) => pending.forEach((c) => answered.has(c.id) && s.delete(c.seq)));
  const notApplied = body.results.filter((r) => r.status !== "applied");
  const count = (status) => body.results.filter((r) => r.status === status).length;
  say(fill(T.synced, { applied: count("applied"), conflicts: count("conflict"), refused: count("refused") }), notApplied.length > 0);
  const message = $("[data-message]").textContent;
  if (!(await outbox()).length) await take(); // fresh records: new people's ids, others' changes
  say(message, notApplied.length > 0);
  await status();
  finished();
}

// Each finished sync is counted on the page (data-synced): what waits for it knows when it is over.
function finished() {
  root.dataset.synced = String(Number(root.dataset.synced || 0) + 1);
}

// --- Start ------------------------------------------------------------------------------------
$("[data-take]").addEventListener("click", take);
$("[data-sync-now]").addEventListener("click", sync);
$("[data-search]").addEventListener("input", search);
$("[data-create]").addEventListener("click", create);
window.addEventListener("online", () => {
  status();
  sync();
});
window.addEventListener("offline", status);
if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register(root.dataset.sw, { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => registration.active && registration.active.postMessage({ user: USER }))
    .catch(() => null);
}

load().then(status);
