/* The console's cluster panel (/operations?view=cluster, admins): /health/deep drawn as this
   region and its role, each database server and Redis, and the disaster-recovery state the
   primary reports, every one with a marker that says its state in words (not colour only).
   Redrawn every few seconds while the page is visible, in place (same elements, no jump);
   the status line (role="status") announces the summary only when it changes. */
"use strict";

(function (HR) {
  const { el } = HR;
  const REFRESH_MS = 5000;
  const MARKERS = {
    ok: ["✓", "OK"],
    degraded: ["!", "Degraded"],
    failing: ["✕", "Down"],
    off: ["!", "Off"],
  };

  /* A state in words, with a symbol beside it for the eye (hidden from screen readers). */
  function marker(state) {
    const [symbol, words] = MARKERS[state] || ["?", state];
    return el("span", { class: "marker " + state },
      el("span", { "aria-hidden": "true", text: symbol }), " " + words);
  }

  function seconds(value) {
    return value.toFixed(value < 10 ? 2 : 1) + " s";
  }

  function figure(term, ...value) {
    return [el("dt", { text: term }), el("dd", {}, ...value)];
  }

  function clock(date) {
    return date.toISOString().slice(11, 19) + " UTC";
  }

  /* A replica's lag as reported, and whether it is within the budget reads allow. */
  function lagText(dependency) {
    const parts = [];
    if (dependency.lag_seconds !== null) parts.push(seconds(dependency.lag_seconds));
    if (dependency.lag_bytes !== null) parts.push(HR.count(dependency.lag_bytes, "byte", "bytes") + " behind");
    const budget = dependency.lag_budget_seconds;
    const within = dependency.within_lag_budget;
    if (within === true) parts.push("within the " + budget + " s budget");
    else if (within === false) parts.push("over the " + budget + " s budget");
    else parts.push(parts.length ? "not known in seconds" : "unknown");
    return "Replication lag: " + parts.join(", ");
  }

  function dependencyCard(dependency) {
    const facts = [dependency.role];
    if (dependency.region) facts.push("region " + dependency.region);
    // In a cluster every server is a read target: the primary's region reads from its own.
    if (dependency.is_primary) facts.push("the primary itself");
    if (dependency.latency_ms !== null) facts.push("answered in " + dependency.latency_ms.toFixed(1) + " ms");
    if (dependency.in_use === true) facts.push("reads go here");
    if (dependency.in_use === false) facts.push("not read from now");
    return el("li", { class: "card dependency " + dependency.status },
      el("h4", { text: dependency.name }),
      el("p", {}, marker(dependency.status)),
      el("p", { class: "meta", text: facts.join(" · ") }),
      dependency.role === "replica" ? el("p", { class: "lag", text: lagText(dependency) }) : null,
      dependency.detail ? el("p", { class: "detail", text: dependency.detail }) : null);
  }

  function archiveText(archive) {
    if (archive.status === "off") return "archive_mode is off";
    const parts = [archive.last_archived_wal
      ? "last archived " + archive.last_archived_wal + " at " + HR.ingestions.when(archive.last_archived_at)
      : "nothing archived yet"];
    if (archive.failed_count) {
      parts.push(HR.count(archive.failed_count, "failed attempt", "failed attempts") +
        (archive.last_failed_wal ? ", last on " + archive.last_failed_wal + " at " + HR.ingestions.when(archive.last_failed_at) : ""));
    }
    return parts.join("; ");
  }

  function standbyItem(standby) {
    const facts = [standby.state || "state not visible (grant pg_monitor)"];
    if (standby.sync_state) facts.push(standby.sync_state);
    if (standby.lag_bytes !== null) facts.push(HR.count(standby.lag_bytes, "byte", "bytes") + " behind");
    if (standby.lag_seconds !== null) facts.push("replay lag " + seconds(standby.lag_seconds));
    return el("li", {}, el("strong", { text: standby.name }), " " + facts.join(" · "));
  }

  /* What the primary reports of disaster recovery; on SQLite, why there is nothing. */
  function recoveryPart(recovery) {
    if (!recovery) {
      return [el("p", { text: "Not applicable: one embedded SQLite database has no standby, " +
        "timeline or WAL archive. `hotelreviews backup` copies it." })];
    }
    const figures = el("dl", { class: "figures" },
      ...figure("State", marker(recovery.status)),
      ...figure("Timeline", recovery.timeline === null ? "unknown" : String(recovery.timeline) +
        " (each switchover or failover starts a new one)"));
    if (recovery.wal_archive) {
      figures.append(...figure("WAL archive", marker(recovery.wal_archive.status), " " + archiveText(recovery.wal_archive)));
    }
    const standbys = recovery.standbys.length
      ? el("ul", { class: "standbys", "aria-label": "Standbys the primary streams to" }, ...recovery.standbys.map(standbyItem))
      : el("p", { text: "The primary streams to no standby." });
    const problems = recovery.problems.length
      ? el("ul", { class: "error-text", "aria-label": "Disaster-recovery problems" }, ...recovery.problems.map((text) => el("li", { text })))
      : null;
    return [figures, problems, el("h4", { text: "Standbys" }), standbys].filter(Boolean);
  }

  /* One sentence: what is not OK (announced when it changes). */
  function summary(body) {
    const notOk = body.dependencies.filter((dependency) => dependency.status !== "ok")
      .map((dependency) => dependency.name + " " + MARKERS[dependency.status][1].toLowerCase());
    const recovery = body.disaster_recovery;
    if (recovery && recovery.status !== "ok") notOk.push("disaster recovery " + MARKERS[recovery.status][1].toLowerCase());
    return "Cluster " + MARKERS[body.status][1].toLowerCase() + (notOk.length ? ": " + notOk.join(", ") + "." : ".");
  }

  function draw(body, probedAt) {
    const replicas = body.dependencies.filter((dependency) => dependency.role === "replica");
    document.getElementById("cluster-figures").replaceChildren(
      ...figure("Region", body.region),
      ...figure("Role", body.primary_here ? "the primary is here" : "a replica region: the primary is elsewhere"),
      ...figure("Status", marker(body.status)),
      ...figure("Replicas", replicas.length ? String(replicas.length) : "none (a single database)"),
      ...figure("Version", body.version),
      ...figure("Probed", clock(probedAt) + ", again every " + REFRESH_MS / 1000 + " s while shown"));
    document.getElementById("dependencies").replaceChildren(...body.dependencies.map(dependencyCard));
    document.getElementById("recovery").replaceChildren(...recoveryPart(body.disaster_recovery));
    document.getElementById("cluster").hidden = false;
  }

  async function load() {
    const response = await HR.authFetch("/health/deep");
    const body = await response.json().catch(() => null);
    // 503 still carries the report (the primary is failing): drawn like any other.
    if (!body || !body.dependencies) throw new HR.ApiProblem(response.status, body);
    return body;
  }

  /* Draw the report now, then again every REFRESH_MS while the page is visible. A failed
     refresh keeps the last report on screen and says so; a failed first load throws. */
  async function follow() {
    let announced = null;
    let shownAt = null;
    let timer = null;
    let running = false;
    async function refresh() {
      if (running) return;
      running = true;
      window.clearTimeout(timer);
      try {
        const body = await load();
        shownAt = new Date();
        draw(body, shownAt);
        const text = summary(body);
        if (text !== announced) HR.setStatus((announced = text));
      } catch (error) {
        if (shownAt === null) throw error; // nothing to keep showing: the page's problem
        announced = "Could not refresh (" + HR.describe(error) + "): the report is from " + clock(shownAt) + ".";
        HR.setStatus(announced);
      } finally {
        running = false;
        if (shownAt !== null && !document.hidden) timer = window.setTimeout(refresh, REFRESH_MS);
      }
    }
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) window.clearTimeout(timer);
      else refresh().catch(HR.showProblem);
    });
    await refresh();
  }

  HR.cluster = { follow };
})(window.HR);
