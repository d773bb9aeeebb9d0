/* The operations console (/operations?view=ingestions|queue|cluster&cursor=): the
   ingestions, newest first, followed while any runs; the queue and its dead letters; the
   cluster's health (/health/deep, admins); a form that queues a file (ingest, admin).
   Signed in only: without a session, to /login?next=this page. */
"use strict";

(function () {
  const HR = window.HR;
  const { el, pageQuery, setStatus, showPager, session, ingestions } = HR;
  const READERS = ["admin", "analyst", "ingest"]; // GET /api/v1/ingestions
  const QUEUERS = ["admin", "ingest"]; // POST /api/v1/ingestions
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

  async function start() {
    const who = await session.requireRole(READERS, "The operations console is for admins, analysts and ingest users");
    if (!who) return;
    if (session.hasRole(...QUEUERS)) enableQueueing();
    if (view() === "cluster") await showCluster();
    else await showList(view() === "queue");
  }

  start().catch(HR.showProblem);
})();
