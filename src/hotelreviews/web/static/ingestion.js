/* One ingestion (/operations/ingestions/{id}?cursor=): its status, followed live from the
   event stream's "ingestion" events while it is queued, running or retrying (read once, then
   each event's status, counts and progress; polled only if the server refuses the stream:
   docs/web.md, "Live progress"), its figures and queue state, and its rejected lines paged by
   the URL's cursor, each opening to its reason and start (#line-N opens that one). */
"use strict";

(function () {
  const HR = window.HR;
  const { el, pageQuery, setStatus, showPager, session, ingestions } = HR;
  const READERS = ["admin", "analyst", "ingest"];
  const id = document.body.dataset.ingestion;

  function figure(list, term, value) {
    if (value !== null && value !== undefined && value !== "") list.append(el("dt", { text: term }), el("dd", { text: String(value) }));
  }

  function showRun(item) {
    document.title = "Ingestion " + item.id + " · Hotel reviews explorer";
    document.getElementById("run-title").textContent = "Ingestion " + item.id + ": " + item.display_name;
    document.getElementById("run-status").textContent = item.status;
    const bar = ingestions.progressBar(item, "Progress");
    bar.id = "run-progress";
    bar.setAttribute("aria-labelledby", "progress-heading");
    bar.removeAttribute("aria-label");
    document.getElementById("run-progress").replaceWith(bar);
    const figures = el("dl", { id: "run-figures", class: "figures" });
    figure(figures, "Source", item.source_uri);
    figure(figures, "Read", ingestions.progressText(item));
    figure(figures, "Lines", ingestions.countsText(item.counts));
    const reasons = Object.entries(item.counts.rejected_by_reason).map(([reason, n]) => reason + " " + n);
    figure(figures, "Rejected by reason", reasons.join(", "));
    figure(figures, "Size", item.size_bytes === null ? null : HR.count(item.size_bytes, "byte", "bytes"));
    figure(figures, "Started", ingestions.when(item.started_at));
    figure(figures, "Finished", ingestions.when(item.finished_at));
    figure(figures, "Duration", item.duration_seconds === null ? null : item.duration_seconds.toFixed(2) + " s");
    figure(figures, "Lines a second", item.lines_per_second === null ? null : Math.round(item.lines_per_second));
    figure(figures, "Error", item.error);
    const job = item.job;
    if (job) {
      figure(figures, "Queued", ingestions.when(job.queued_at));
      figure(figures, "Attempts", job.attempts + " of " + job.max_attempts);
      figure(figures, "Next attempt", ingestions.isActive(item) ? ingestions.when(job.next_attempt_at) : null);
      figure(figures, "Worker", job.worker);
      figure(figures, "Last error", job.last_error);
      if (job.duplicate_of !== null) {
        figures.append(el("dt", { text: "Same content as" }),
          el("dd", {}, el("a", { href: "/operations/ingestions/" + job.duplicate_of, text: "ingestion " + job.duplicate_of })));
      }
    }
    document.getElementById("run-figures").replaceWith(figures);
    document.getElementById("run").hidden = false;
  }

  /* A rejected line: its number and reason, opening to the message and the line's start. */
  function rejectedLine(line, opened) {
    return el("li", {},
      el("details", { id: "line-" + line.line_number, class: "card rejected", open: opened },
        el("summary", { text: "Line " + line.line_number + ": " + line.reason }),
        el("p", { class: "text", text: line.message }),
        line.excerpt === null
          ? el("p", { class: "meta", text: "The line itself is shown to admins and whoever queued it." })
          : el("pre", { class: "excerpt", text: line.excerpt })));
  }

  async function showRejected() {
    const page = await HR.authApi("/ingestions/" + id + "/rejected-lines", pageQuery(["cursor"]));
    const wanted = window.location.hash.slice(1);
    document.getElementById("results").replaceChildren(...page.items.map((line) => rejectedLine(line, wanted === "line-" + line.line_number)));
    document.getElementById("rejected-status").textContent = page.items.length ? "" : "No line was rejected.";
    showPager(page.next_cursor);
    const opened = wanted && document.getElementById(wanted);
    if (opened) opened.scrollIntoView();
  }

  /* The status line (aria-live, polite): the status and how far it got, as it changes. */
  function announce(item, how) {
    const parts = ["Ingestion " + item.id + " " + item.status + "."];
    if (ingestions.isActive(item)) {
      if (item.status === "running") parts.push(ingestions.progressText(item) + ".");
      if (how) parts.push(how);
    }
    setStatus(parts.join(" "));
  }

  const HOW = {
    live: "Following it live.",
    polling: "Checking it every second (live updates are unavailable).",
  };

  /* An "ingestion" event's payload (status, counts, progress) over what the page shows. */
  function withProgress(item, payload) {
    if (payload.ingestion_id !== item.id) return item;
    return { ...item, status: payload.status, counts: { ...item.counts, ...payload.counts }, progress: payload.progress };
  }

  async function start() {
    const who = await session.requireRole(READERS, "Ingestions are for admins, analysts and ingest users");
    if (!who) return;
    document.getElementById("rejected-status").textContent = "Listed when the run ends.";
    let followed = false;
    await ingestions.follow(async (how) => {
      const item = await HR.authApi("/ingestions/" + id);
      followed = followed || ingestions.isActive(item);
      showRun(item);
      announce(item, HOW[how]);
      return item;
    }, ingestions.isActive, (payload, item) => {
      const moved = withProgress(item, payload);
      if (moved !== item) {
        showRun(moved);
        announce(moved, HOW.live);
      }
      return moved;
    });
    // The figures only the ingestion itself has (its timings, its error), read once it ended.
    if (followed) showRun(await HR.authApi("/ingestions/" + id));
    // Rejected lines are final once the run has ended (listed after it, for a run that moved).
    await showRejected();
  }

  start().catch(HR.showProblem);
})();
