// Saves a course's lessons on the phone (pages, their images and style sheets) for reading offline, and
// hands the service worker this page's CSRF token so that completions made offline can be sent later.
const root = document.getElementById("fk-lessons");
const T = JSON.parse(document.getElementById("fk-lessons-text").textContent);
const token = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value;

async function ready() {
  if (!("serviceWorker" in navigator)) return null;
  await navigator.serviceWorker.register(root.dataset.sw, { scope: "/" });
  const registration = await navigator.serviceWorker.ready;
  if (registration.active && token) registration.active.postMessage({ csrf: token, user: Number(root.dataset.user) });
  return registration;
}

async function save(button) {
  const status = button.parentElement.querySelector("[data-saved]");
  status.textContent = T.saving;
  try {
    const list = await (await fetch(button.dataset.list, { credentials: "same-origin" })).json();
    const cache = await caches.open("fk-lessons");
    const files = new Set();
    for (const url of list.urls) {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) continue;
      const html = await response.clone().text();
      await cache.put(url, response);
      const page = new DOMParser().parseFromString(html, "text/html");
      page.querySelectorAll("img[src], link[rel=stylesheet][href], script[src], track[src], source[src]").forEach((node) => {
        files.add(new URL(node.getAttribute("src") || node.getAttribute("href"), location.href).href);
      });
      page.querySelectorAll("img[srcset]").forEach((node) =>
        node.srcset.split(",").forEach((part) => files.add(new URL(part.trim().split(" ")[0], location.href).href))
      );
    }
    for (const file of files) {
      if (new URL(file).origin !== location.origin) continue;
      const response = await fetch(file, { credentials: "same-origin" });
      if (response.ok) await cache.put(file, response);
    }
    status.textContent = T.saved.replace("{n}", list.urls.length - 1);
    status.dataset.saved = "1";
  } catch (error) {
    status.textContent = T.failed;
  }
}

ready().catch(() => null);
root.querySelectorAll("[data-list]").forEach((button) => button.addEventListener("click", () => save(button)));
