/* What the console's pages share about ingestions (GET /api/v1/ingestions, /ingestions/{id}):
   whether one is still moving, its progress, and one as a card. Text only, as everywhere. */
"use strict";

(function (HR) {
  const { el } = HR;
  // The states a queued ingestion leaves by itself: worth following.
  const ACTIVE = new Set(["queued", "running", "retrying"]);
  const FOLLOW_MS = 1000;

  function isActive(item) {
    return ACTIVE.has(item.status);
  }

  function when(iso) {
    return iso ? String(iso).slice(0, 19).replace("T", " ") + " UTC" : "";
  }

  /* A <progress> of the bytes read (lines while the size is unknown); indeterminate while
     queued. Finished runs show a full bar. */
  function progressBar(item, label) {
    const bar = el("progress", { "aria-label": label });
    const { bytes_done: done, bytes_total: total } = item.progress;
    if (item.status === "succeeded") {
      bar.max = 1;
      bar.value = 1;
    } else if (done !== null && total) {
      bar.max = total;
      bar.value = Math.min(done, total);
    }
    return bar;
  }

  function progressText(item) {
    const { lines_done: lines, bytes_done: done, bytes_total: total } = item.progress;
    const parts = [HR.count(lines, "line", "lines") + " read"];
    if (done !== null && total) parts.push(Math.floor((100 * done) / total) + "% of " + HR.count(total, "byte", "bytes"));
    return parts.join(", ");
  }

  function countsText(counts) {
    return "new " + counts.new + ", updated " + counts.updated + ", unchanged " + counts.unchanged +
      ", rejected " + counts.rejected;
  }

  function card(item) {
    const job = item.job;
    const meta = [item.status];
    if (job) meta.push("attempt " + job.attempts + " of " + job.max_attempts);
    meta.push(item.started_at ? "started " + when(item.started_at) : job ? "queued " + when(job.queued_at) : "");
    const problem = item.error || (job && job.last_error);
    return el("li", { class: "card ingestion " + item.status },
      el("h3", {}, el("a", { href: "/operations/ingestions/" + item.id, text: "#" + item.id + " " + item.display_name })),
      el("p", { class: "meta", text: meta.filter(Boolean).join(" · ") }),
      isActive(item) ? el("p", {}, progressBar(item, "Progress of ingestion " + item.id), " " + progressText(item)) : null,
      el("p", { text: countsText(item.counts) }),
      problem ? el("p", { class: "error-text", text: (item.status === "dead" ? "Gave up: " : "Last error: ") + problem }) : null);
  }

  /* Call `load` now and again every second while `stillMoving(result)`; the last result. */
  async function follow(load, stillMoving) {
    for (;;) {
      const result = await load();
      if (!stillMoving(result)) return result;
      await new Promise((resolve) => window.setTimeout(resolve, FOLLOW_MS));
    }
  }

  HR.ingestions = { isActive, when, progressBar, progressText, countsText, card, follow };
})(window.HR);
