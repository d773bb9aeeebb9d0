/* The manager's dashboard (/manage?hotel=&aspect=): a hotel's reputation index against its
   competitive set, its aspects by month, its alerts and its recent negative reviews without a
   response. Signed in only: without a session, to /login?next=this page; without a role that
   reads alerts (manager, analyst, admin), a message saying so. */
"use strict";

(function () {
  const HR = window.HR;
  const { el, api, pageQuery, describe, showProblem, setStatus, rating, day, review, reviewBody, session } = HR;
  const ROLES = ["manager", "analyst", "admin"];
  const NEGATIVE_UP_TO = 4; // out of 10
  const SHOWN = 10;

  function figure(list, term, value) {
    list.append(el("dt", { text: term }), el("dd", { text: value }));
  }

  function notice(container, text) {
    container.replaceChildren(el("p", { text }));
  }

  /* The hotel choice: a page of hotels by name, plus the URL's hotel if it is not on it. */
  async function fillHotels(chosen) {
    const select = document.getElementById("f-hotel");
    const page = await api("/hotels", { sort: "name", limit: 100 });
    const ids = page.items.map((hotel) => String(hotel.id));
    const options = page.items.map((hotel) => [String(hotel.id), hotel.name + (hotel.city ? " (" + hotel.city + ")" : "")]);
    if (chosen && !ids.includes(chosen)) options.unshift([chosen, "Hotel " + chosen]);
    for (const [value, text] of options) {
      // `selected`, the option's default: what the form resets to (common.js).
      select.append(el("option", { value, text, selected: value === chosen }));
    }
  }

  /* The competitive set: the city's hotels of the same star band (the reputation index's
     own comparison), from the city's ranking, by index. */
  function starBand(stars) {
    if (stars === null || stars === undefined) return "unknown";
    const whole = Math.floor(stars);
    return whole <= 2 ? "<=2" : String(Math.min(whole, 5));
  }

  async function competitors(hotel, band) {
    if (!hotel.city) return [];
    const page = await api("/recommendations", { city: hotel.city, limit: 100 });
    return page.items
      .filter((item) => item.reputation_index !== null && starBand(item.stars) === band)
      .sort((a, b) => b.reputation_index - a.reputation_index);
  }

  async function showStanding(hotel) {
    const box = document.getElementById("standing");
    const reputation = await api("/hotels/" + hotel.id + "/reputation");
    if (reputation.status !== "scored") {
      notice(box, "Not scored yet" + (reputation.reason ? ": " + reputation.reason : "."));
      return;
    }
    const figures = el("dl", { class: "figures" });
    figure(figures, "Reputation index", reputation.index.toFixed(0) + " / 100");
    const set = reputation.competitive_set;
    if (set) {
      figure(figures, "Rank", set.rank + " of " + set.size);
      figure(figures, "Competitive set", (hotel.city || "its city") + ", " + (set.band === "unknown" ? "stars unknown" : set.band + " stars"));
    }
    figure(figures, "Confidence", Math.round(reputation.confidence * 100) + "%");
    box.replaceChildren(figures);
    const members = set ? await competitors(hotel, set.band) : [];
    if (members.length > 1) {
      const body = el("tbody");
      for (const member of members) {
        const own = member.hotel_id === hotel.id;
        const name = own ? el("strong", { text: member.name + " (this hotel)" }) : el("a", { href: "/hotels/" + member.hotel_id, text: member.name });
        body.append(el("tr", { class: own ? "own" : null },
          el("th", { scope: "row" }, name),
          el("td", {}, el("meter", { min: 0, max: 100, value: member.reputation_index, "aria-label": member.name + " index" }), " " + member.reputation_index.toFixed(0))));
      }
      box.append(el("table", { class: "compset" },
        el("caption", { text: "The competitive set's indices (0–100)" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Hotel" }), el("th", { scope: "col", text: "Index" }))),
        body));
    }
  }

  async function showAlerts(hotelId) {
    const list = document.getElementById("alerts");
    const status = document.getElementById("alerts-status");
    const page = await HR.authApi("/alerts", { hotel_id: hotelId, limit: SHOWN });
    status.textContent = page.items.length ? "" : "No alerts for this hotel.";
    for (const alert of page.items) {
      list.append(el("li", { class: "alert-item" },
        el("p", { class: "alert-kind", text: alert.kind.replaceAll("_", " ") + (alert.aspect ? ": " + alert.aspect : "") }),
        el("p", { text: alert.message }),
        el("p", { class: "meta", text: "Since " + alert.onset + " · detected " + day(alert.detected_at) })));
    }
  }

  async function showAspects(hotelId) {
    const trend = await api("/hotels/" + hotelId + "/trend", { bucket: "month", ...pageQuery(["aspect"]) });
    HR.aspectTrend(document.getElementById("aspect-chart"), document.querySelector("#aspect-table tbody"), trend.points || []);
  }

  async function showUnanswered(hotelId) {
    const filters = { max_rating: NEGATIVE_UP_TO, has_response: "false", sort: "newest" };
    const page = await api("/hotels/" + hotelId + "/reviews", { ...filters, limit: SHOWN });
    const list = document.getElementById("unanswered");
    document.getElementById("unanswered-status").textContent = page.items.length ? "" : "Every negative review has a response.";
    for (const item of page.items) list.append(el("li", {}, reviewBody(review(item, false), item)));
    document.getElementById("unanswered-all").href = "/hotels/" + hotelId + "?" + new URLSearchParams(filters);
  }

  function guarded(task, container) {
    return task().catch((error) => notice(container, describe(error)));
  }

  async function showDashboard(hotelId) {
    const hotel = await api("/hotels/" + hotelId);
    document.title = hotel.name + " · Dashboard · Hotel reviews explorer";
    document.getElementById("dashboard-title").textContent = "Dashboard: " + hotel.name;
    setStatus("Average rating " + rating(hotel.average_rating) + " / 10 over " + HR.count(hotel.review_count, "review", "reviews") + ".");
    document.getElementById("dashboard").hidden = false;
    await Promise.all([
      guarded(() => showStanding(hotel), document.getElementById("standing")),
      guarded(() => showAlerts(hotel.id), document.getElementById("alerts-status")),
      guarded(() => showAspects(hotel.id), document.getElementById("aspect-chart")),
      guarded(() => showUnanswered(hotel.id), document.getElementById("unanswered-status")),
    ]);
  }

  async function start() {
    const who = await session.requireRole(ROLES, "The dashboard is for managers, analysts and admins");
    if (!who) return;
    const { hotel } = pageQuery(["hotel"]);
    document.getElementById("dashboard-form").hidden = false;
    await fillHotels(hotel);
    if (!hotel) {
      setStatus("Choose a hotel.");
      return;
    }
    if (!/^[1-9][0-9]{0,18}$/.test(hotel)) {
      showProblem(new Error("the hotel is given by its number, e.g. ?hotel=12"));
      return;
    }
    await showDashboard(hotel);
  }

  start().catch(showProblem);
})();
