/* What the console's pages share about ingestions (GET /api/v1/ingestions, /ingestions/{id}):
   whether one is still moving, its progress, one as a card, and following them live from the
   event stream (polling only when the server refuses a stream). Text only, as everywhere. */
"use strict";

(function (HR) {
  const { el } = HR;
  // The states a queued ingestion leaves by itself: worth following.
  const ACTIVE = new Set(["queued", "running", "retrying"]);
  const FOLLOW_MS = 1000; // polling, when the server refuses the event stream

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

  /* Follow ingestions until `stillMoving(result)` is false, where `result` is what `load`
     or `update` last returned; resolves with it. Live from the event stream (its
     "ingestion" events: HR.liveEvents): `load("live")` once the stream is subscribed (so
     that nothing committed after the read is missed), then `update(payload, result)` for
     each ingestion event, in order, one at a time (default: `load` again, once for any
     number of events that arrive during a load). Only if the server refuses the stream,
     `load("polling")` every second instead. */
  function follow(load, stillMoving, update) {
    return new Promise((resolve, reject) => {
      let result;
      let started = false;
      let finished = false;
      let reloadQueued = false;
      let steps = Promise.resolve();

      function step(task) {
        steps = steps.then(async () => {
          if (finished) return;
          result = await task();
          if (!stillMoving(result)) end();
        }).catch((error) => {
          end();
          reject(error);
        });
        return steps;
      }

      function end() {
        if (finished) return;
        finished = true;
        stream.stop();
        resolve(result);
      }

      function reload() {
        if (reloadQueued) return;
        reloadQueued = true;
        step(() => {
          reloadQueued = false;
          return load("live");
        });
      }

      async function poll() {
        while (!finished) {
          await step(() => load("polling"));
          if (!finished) await new Promise((wait) => window.setTimeout(wait, FOLLOW_MS));
        }
      }

      const stream = HR.liveEvents.follow({ kind: "ingestion" }, {
        onLive() {
          if (started) return;
          started = true;
          step(() => load("live"));
        },
        onEvent(message) {
          if (!started) return;
          if (update) step(() => update(message.data.payload, result));
          else reload();
        },
        onRefused() {
          if (finished) return;
          started = true;
          poll();
        },
      });
    });
  }

  HR.ingestions = { isActive, when, progressBar, progressText, countsText, card, follow };
})(window.HR);
