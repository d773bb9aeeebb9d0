/* The operations console (/operations?view=ingestions|queue|cluster&cursor=): the
   ingestions, newest first, followed while any runs; the queue and its dead letters; the
   cluster's health (/health/deep, admins); a form that queues a file by its URI and one
   that uploads a file (ingest, admin).
   Signed in only: without a session, to /login?next=this page. */
"use strict";

(function () {
  const HR = window.HR;
  const { el, pageQuery, setStatus, showPager, session, ingestions } = HR;
  const READERS = ["admin", "analyst", "ingest"]; // GET /api/v1/ingestions
  const QUEUERS = ["admin", "ingest"]; // POST /api/v1/ingestions, POST /api/v1/uploads
  const WAITING = new Set(["queued", "running", "retrying"]);

  function view() {
    const { view } = pageQuery(["view"]);
    return ["queue", "cluster"].includes(view) ? view : "ingestions";
  }

  /* The list: one API page (the URL's cursor), redrawn every second while one is moving. */
  async function showList(queueOnly) {
    const list = document.getElementById("results");
    let announced = null;
    await ingestions.follow(async () => {
      const page = await HR.authApi("/ingestions", { limit: queueOnly ? 100 : 20, ...pageQuery(["cursor"]) });
      const items = queueOnly ? page.items.filter((item) => item.job && (WAITING.has(item.status) || item.status === "dead")) : page.items;
      list.replaceChildren(...items.map(ingestions.card));
      const waiting = items.filter((item) => WAITING.has(item.status)).length;
      const text = queueOnly
        ? HR.count(waiting, "ingestion waiting or running", "ingestions waiting or running") + ", " +
          HR.count(items.length - waiting, "dead letter", "dead letters") + "."
        : items.length ? (waiting ? HR.count(waiting, "ingestion", "ingestions") + " waiting or running." : "")
        : "No ingestions yet.";
      if (text !== announced) setStatus((announced = text));
      showPager(page.next_cursor);
      return page.items;
    }, (items) => items.some(ingestions.isActive));
  }

  /* /health/deep, redrawn while shown (cluster.js): for admins only. */
  async function showCluster() {
    if (!session.hasRole("admin")) {
      setStatus("The cluster's health is for admins.");
      return;
    }
    await HR.cluster.follow();
  }

  /* Queue the form's source, then go to its page to follow it. One Idempotency-Key a form
     filled in: a double click or a retry queues it once. */
  function enableQueueing() {
    const form = document.getElementById("queue-form");
    const problem = document.getElementById("queue-problem");
    let key = crypto.randomUUID();
    form.addEventListener("input", () => { key = crypto.randomUUID(); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      problem.hidden = true;
      try {
        const response = await HR.authFetch(HR.apiUrl("/ingestions"), {
          method: "POST",
          headers: { "Content-Type": "application/json", "Idempotency-Key": key },
          body: JSON.stringify({ source_uri: form.elements.source_uri.value }),
        });
        const body = await response.json().catch(() => null);
        if (!response.ok) throw new HR.ApiProblem(response.status, body);
        window.location.assign("/operations/ingestions/" + body.id);
      } catch (error) {
        problem.textContent = HR.describe(error);
        problem.hidden = false;
      }
    });
    document.getElementById("queue-panel").hidden = false;
  }

  /* Upload the chosen file as the request's body (POST /api/v1/uploads), saying where it
     is at (fetch reports no bytes sent: the phases, and the size), then link to its run.
     One Idempotency-Key per chosen file: a double click or a retry queues it once. */
  function enableUploading() {
    const form = document.getElementById("upload-form");
    const input = form.elements.file;
    const status = document.getElementById("upload-status");
    const problem = document.getElementById("upload-problem");
    const button = form.querySelector("button");
    let key = crypto.randomUUID();
    input.addEventListener("change", () => { key = crypto.randomUUID(); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = input.files[0];
      if (!file) return;
      problem.hidden = true;
      button.disabled = true;
      status.textContent = "Uploading " + file.name + " (" + HR.count(file.size, "byte", "bytes") + ")…";
      try {
        const type = file.name.toLowerCase().endsWith(".gz") ? "application/gzip" : "application/x-ndjson";
        const response = await HR.authFetch(HR.apiUrl("/uploads", { name: file.name }), {
          method: "POST",
          headers: { "Content-Type": type, "Idempotency-Key": key },
          body: file,
        });
        const body = await response.json().catch(() => null);
        if (!response.ok) throw new HR.ApiProblem(response.status, body);
        const link = el("a", { href: "/operations/ingestions/" + body.id, text: "follow ingestion " + body.id });
        status.replaceChildren("Uploaded " + file.name + " and queued it: ", link, ".");
      } catch (error) {
        status.textContent = "The upload of " + file.name + " was refused.";
        problem.textContent = HR.describe(error);
        problem.hidden = false;
      } finally {
        button.disabled = false;
      }
    });
  }

  async function start() {
    const who = await session.requireRole(READERS, "The operations console is for admins, analysts and ingest users");
    if (!who) return;
    if (session.hasRole(...QUEUERS)) {
      enableQueueing();
      enableUploading();
    }
    if (view() === "cluster") await showCluster();
    else await showList(view() === "queue");
  }

  start().catch(HR.showProblem);
})();
