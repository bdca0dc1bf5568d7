// The field kit's service worker: keeps the offline workspace and saved lessons on the phone, and
// queues lesson completions made offline, sending them to the sync endpoint when the network is back.
const CONFIG = {{ config|safe }};
const SHELL = "fk-shell-" + CONFIG.version;
const LESSONS = "fk-lessons";
const COMPLETE = /^\/learn\/courses\/([^/]+)\/lessons\/([0-9a-f-]{36})\/complete\/$/;
const KEPT = /^\/(field\/(lessons\/)?$|static\/|learn\/|media\/)/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) =>
        Promise.all(
          CONFIG.shell.map((url) =>
            fetch(url, { credentials: "same-origin" })
              .then((response) => response.ok && cache.put(url, response))
              .catch(() => null)
          )
        )
      )
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("fk-shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && COMPLETE.test(url.pathname)) {
    event.respondWith(completeOrQueue(request, url));
    return;
  }
  if (request.method !== "GET" || !KEPT.test(url.pathname)) return;
  event.respondWith(networkFirst(request, url));
  event.waitUntil(flush());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  // The pages tell which login is signed in: completions are queued under it and sent only under it.
  const told = Promise.all([data.csrf && remember("csrf", data.csrf), data.user && remember("user", data.user)]);
  event.waitUntil(told.then(flush));
});

self.addEventListener("sync", (event) => event.waitUntil(flush()));

async function networkFirst(request, url) {
  try {
    const response = await fetch(request);
    // The workspace page and its files are refreshed whenever they load; lessons only when saved.
    if (response.ok && (url.pathname.startsWith("/field/") || url.pathname.startsWith("/static/"))) {
      const copy = response.clone();
      caches.open(SHELL).then((cache) => cache.put(url.pathname, copy));
    }
    return response;
  } catch (error) {
    const cached =
      (await caches.match(url.pathname, { ignoreSearch: true })) || (await caches.match(request, { ignoreSearch: true }));
    if (cached) return cached;
    throw error;
  }
}

async function completeOrQueue(request, url) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch (error) {
    const form = await copy.formData();
    const [, course, lesson] = url.pathname.match(COMPLETE);
    const csrf = copy.headers.get("X-CSRFToken") || form.get("csrfmiddlewaretoken");
    if (csrf) await remember("csrf", csrf);
    const user = await tx("meta", "readonly", (s) => s.get("user"));
    await queue({
      id: self.crypto.randomUUID(),
      kind: "lesson_complete",
      ...(user ? { user } : {}),
      course: decodeURIComponent(course),
      lesson,
      method: form.get("method") === "scrolled" ? "scrolled" : "button",
      recorded_at: new Date().toISOString(),
    });
    if (request.mode === "navigate") {
      const back = "/learn/courses/" + course + "/";
      const html =
        '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
        '<p role="status" data-queued>' + CONFIG.queued + '</p><p><a href="' + back + '">' + CONFIG.back + "</a></p>";
      return new Response(html, { status: 202, headers: { "Content-Type": "text/html; charset=utf-8" } });
    }
    return new Response(JSON.stringify({ completed: true, queued: true }), {
      status: 202,
      headers: { "Content-Type": "application/json" },
    });
  }
}

// IndexedDB: the queue of lesson completions and the CSRF token to send them with.
function db() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("mps-field-lessons", 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("outbox", { keyPath: "id" });
      open.result.createObjectStore("meta");
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function tx(store, mode, work) {
  const handle = await db();
  return new Promise((resolve, reject) => {
    const t = handle.transaction(store, mode);
    const result = work(t.objectStore(store));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : result);
    t.onerror = () => reject(t.error);
  });
}

const queue = (change) => tx("outbox", "readwrite", (s) => s.put(change));
const remember = (key, value) => tx("meta", "readwrite", (s) => s.put(value, key));

let flushing = null;
function flush() {
  if (!flushing) flushing = send().finally(() => (flushing = null));
  return flushing;
}

async function send() {
  const user = await tx("meta", "readonly", (s) => s.get("user"));
  // Another login's completions (a shared phone) wait for that login: sent under this one they would be
  // credited to the wrong trainee (the server refuses them too).
  const queued = (await tx("outbox", "readonly", (s) => s.getAll())) || [];
  const changes = queued.filter((c) => !c.user || !user || Number(c.user) === Number(user));
  if (!changes.length) return;
  const csrf = await tx("meta", "readonly", (s) => s.get("csrf"));
  let response;
  try {
    response = await fetch(CONFIG.sync_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf || "" },
      body: JSON.stringify({ changes }),
    });
  } catch (error) {
    return; // still offline: they wait
  }
  if (!response.ok) return; // signed out or a stale token: they wait for the next page's token
  const body = await response.json();
  // A completion refused as another login's stays queued for that login; the others are answered for good.
  const answered = new Set(body.results.filter((r) => r.code !== "change_of_another_login").map((r) => r.id));
  await tx("outbox", "readwrite", (s) => changes.forEach((c) => answered.has(c.id) && s.delete(c.id)));
}
