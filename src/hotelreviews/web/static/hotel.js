/* A hotel's page (/hotels/{id}): its figures, reputation (aspect scores with what guests said),
   rating histogram, monthly trend and aspects by month (uPlot), similar hotels and its reviews
   under the form's filters. */
"use strict";

(function () {
  const HR = window.HR;
  const { el, api, pageQuery, describe, showProblem, setStatus, showPager, count, rating, day, review, reviewBody } = window.HR;
  const hotelId = document.getElementById("hotel").dataset.hotelId;
  const base = "/hotels/" + hotelId;

  function figure(list, term, value) {
    list.append(el("dt", { text: term }), el("dd", { text: value }));
  }

  function notice(containerId, text) {
    const box = document.getElementById(containerId);
    box.replaceChildren(el("p", { text }));
  }

  async function showHotel() {
    const hotel = await api(base);
    document.title = hotel.name + " · Hotel reviews explorer";
    document.getElementById("hotel-name").textContent = hotel.name;
    document.getElementById("hotel-place").textContent = [hotel.address, hotel.city, hotel.country].filter(Boolean).join(", ");
    const figures = document.getElementById("hotel-figures");
    figure(figures, "Average rating", rating(hotel.average_rating) + " / 10");
    figure(figures, "Reviews", count(hotel.review_count, "review", "reviews"));
    if (hotel.stars) figure(figures, "Stars", String(hotel.stars));
    if (hotel.latest_review_at) figure(figures, "Latest review", day(hotel.latest_review_at));
    showHistogram(hotel.histogram || {});
    fillProviders(hotel.by_provider || []);
    showStandings(hotel.provider_standings || []);
  }

  /* Each provider's own latest figures for the hotel (its overall score and category
     grades, on its scale): the section stays hidden when no provider gave any. */
  function showStandings(standings) {
    if (!standings.length) return;
    const list = document.getElementById("standings-list");
    for (const standing of standings) {
      const figures = el("dl", { class: "figures" });
      figure(figures, "Score", standing.score === null ? "–" : String(standing.score));
      figure(figures, "Reviews there", standing.review_count === null ? "–" : standing.review_count.toLocaleString("en"));
      const grades = Object.entries(standing.grades || {}).map(([name, grade]) => name + " " + grade);
      if (grades.length) figure(figures, "Grades", grades.join(", "));
      figure(figures, "As of", day(standing.as_of));
      list.append(el("li", {}, el("h3", { text: standing.provider_name || "Provider " + standing.provider_id }), figures));
    }
    document.getElementById("standings").hidden = false;
  }

  function showHistogram(histogram) {
    const body = document.querySelector("#histogram tbody");
    const total = Object.values(histogram).reduce((a, b) => a + b, 0);
    for (let score = 10; score >= 1; score--) {
      const n = histogram[String(score)] || 0;
      const meter = el("meter", { min: 0, max: Math.max(total, 1), value: n, "aria-label": "Share of reviews rated " + score });
      body.append(el("tr", {}, el("th", { scope: "row", text: String(score) }), el("td", { text: n.toLocaleString("en") }), el("td", {}, meter)));
    }
  }

  /* The provider filter's options: the providers that reviewed this hotel. */
  function fillProviders(providers) {
    const select = document.getElementById("f-provider_id");
    for (const provider of providers) {
      const label = (provider.provider_name || "Provider " + provider.provider_id) + " (" + provider.review_count + ")";
      const chosen = String(provider.provider_id) === select.dataset.selected;
      // `selected`, the option's default: what the form resets to (common.js).
      select.append(el("option", { value: provider.provider_id, text: label, selected: chosen }));
    }
  }

  /* What guests said about one aspect: its sample sentences, praise and complaint marked in
     words (not colour alone), each quoted as plain text with its review's date and provider. */
  function samplesOf(lists) {
    const items = [];
    for (const [polarity, said] of [["positive", "Praised"], ["negative", "Criticised"]]) {
      for (const sample of (lists && lists[polarity]) || []) {
        items.push(el("li", { class: "sample " + polarity },
          el("span", { class: "said", text: said + ": " }),
          el("q", { text: sample.sentence }),
          el("span", { class: "cited", text: " — " + day(sample.review_date) + ", " + sample.provider })));
      }
    }
    return items.length ? el("ul", { class: "samples", "aria-label": "What guests said" }, ...items) : el("span", { class: "cited", text: "No recent sentences." });
  }

  async function showReputation() {
    const box = document.getElementById("reputation");
    // The samples are a garnish: the scores show without them if their request fails.
    const [reputation, samples] = await Promise.all([
      api(base + "/reputation"),
      api(base + "/aspect-samples").catch(() => null),
    ]);
    if (reputation.status !== "scored") {
      box.replaceChildren(el("p", { text: "Not scored yet" + (reputation.reason ? ": " + reputation.reason : ".") }));
      return;
    }
    const figures = el("dl", { class: "figures" });
    figure(figures, "Reputation index", reputation.index.toFixed(0) + " / 100");
    figure(figures, "Confidence", Math.round(reputation.confidence * 100) + "%");
    const set = reputation.competitive_set;
    if (set) figure(figures, "Rank in its city and star band", set.rank + " of " + set.size);
    box.replaceChildren(figures);
    const aspects = Object.entries(reputation.aspects || {}).sort((a, b) => b[1].score - a[1].score);
    if (aspects.length) {
      const said = (samples && samples.aspects) || {};
      const table = el("table", { class: "aspects" },
        el("caption", { text: "Aspect scores (0–100), each with what recent reviews said" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Aspect" }), el("th", { scope: "col", text: "Score" }), el("th", { scope: "col", text: "Mentions" }))));
      const body = el("tbody");
      for (const [name, aspect] of aspects) {
        const label = name.replaceAll("_", " ");
        const heading = "aspect-score-" + name;
        body.append(el("tr", { "data-aspect": name },
          el("th", { scope: "row", id: heading, text: label }),
          el("td", {}, el("meter", { min: 0, max: 100, value: aspect.score, "aria-label": label + " score" }), " " + aspect.score.toFixed(0)),
          el("td", { text: aspect.mentions.toLocaleString("en") })));
        // Under the score, across the table's width: quotes need the room on a phone.
        body.append(el("tr", { class: "said", "data-aspect": name },
          el("td", { colspan: 3, headers: heading }, samples ? samplesOf(said[name]) : el("span", { text: "Sample sentences unavailable." }))));
      }
      table.append(body);
      box.append(table);
    }
  }

  async function showTrend() {
    const trend = await api(base + "/trend", { bucket: "month" });
    const points = trend.points || [];
    const body = document.querySelector("#trend-table tbody");
    for (const point of points) {
      body.append(el("tr", {},
        el("th", { scope: "row", text: point.start.slice(0, 7) }),
        el("td", { text: String(point.reviews) }),
        el("td", { text: point.average_rating_normalized === null ? "–" : point.average_rating_normalized.toFixed(1) })));
    }
    HR.aspectTrend(document.getElementById("aspect-chart"), document.querySelector("#aspect-table tbody"), points);
    const chart = document.getElementById("trend-chart");
    if (!window.uPlot || !points.length) {
      chart.replaceChildren(el("p", { text: points.length ? "The chart library is not installed: see the table below." : "No reviews to chart yet." }));
      return;
    }
    const data = [
      points.map((p) => Date.parse(p.start) / 1000),
      points.map((p) => p.average_rating_normalized),
      points.map((p) => p.reviews),
    ];
    const width = () => Math.max(chart.clientWidth, 280);
    const plot = new window.uPlot({
      width: width(),
      height: 260,
      series: [
        {},
        { label: "Average rating", scale: "rating", stroke: "#1f5fa8", width: 2, spanGaps: true },
        { label: "Reviews", scale: "reviews", stroke: "#8a4b08", fill: "rgba(138, 75, 8, 0.15)", paths: window.uPlot.paths.bars({ size: [0.6, 40] }) },
      ],
      scales: { rating: { range: [0, 10] }, reviews: { range: (u, min, max) => [0, Math.max(max, 1)] } },
      axes: [{}, { scale: "rating", label: "Rating" }, { scale: "reviews", side: 1, label: "Reviews", grid: { show: false } }],
    }, data, chart);
    window.addEventListener("resize", () => plot.setSize({ width: width(), height: 260 }));
  }

  /* Similar hotels (same city): the section stays hidden when there are none, or the API
     fails. */
  async function showSimilar() {
    let body;
    try {
      body = await api(base + "/similar");
    } catch (error) {
      return;
    }
    const items = Array.isArray(body) ? body : body.items || [];
    const list = document.getElementById("similar-list");
    for (const item of items) {
      const hotel = item.hotel || item;
      const id = hotel.id || hotel.hotel_id;
      if (!id) continue;
      list.append(el("li", {}, el("a", { href: "/hotels/" + id, text: hotel.name || "Hotel " + id })));
    }
    document.getElementById("similar").hidden = list.children.length === 0;
  }

  async function showReviews() {
    const list = document.getElementById("results");
    try {
      const names = ["provider_id", "min_rating", "max_rating", "since", "until", "language", "traveller_type", "has_response", "sort", "cursor"];
      const page = await api(base + "/reviews", { ...pageQuery(names), limit: 20 });
      setStatus(page.items.length ? "" : "No review matches these filters.");
      for (const item of page.items) list.append(el("li", {}, reviewBody(review(item, false), item)));
      showPager(page.next_cursor);
    } catch (error) {
      showProblem(error);
    }
  }

  function guarded(task, containerId) {
    return task().catch((error) => {
      if (containerId) notice(containerId, describe(error));
    });
  }

  showHotel().catch((error) => {
    document.getElementById("hotel-name").textContent = error.status === 404 ? "No such hotel" : "Hotel";
    document.getElementById("hotel-place").textContent = describe(error);
  });
  guarded(showReputation, "reputation");
  guarded(showTrend, "trend-chart");
  showSimilar();
  showReviews();
})();
