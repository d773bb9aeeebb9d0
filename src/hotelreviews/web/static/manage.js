/* The manager's dashboard (/manage?hotel=&aspect=): a hotel's reputation index against its
   competitive set, its aspects by month, its alerts (open ones first; acknowledge, resolve or
   reopen each) and its recent negative reviews without a response. Signed in only: without a
   session, to /login?next=this page; without a role that reads alerts (manager, analyst,
   admin), a message saying so. A manager is offered their own hotels only (the API shows
   them no other's alerts), the first of them when the URL names none; analysts and admins
   pick any hotel. */
"use strict";

(function () {
  const HR = window.HR;
  const { el, api, pageQuery, describe, showProblem, setStatus, rating, day, review, reviewBody, session } = HR;
  const ROLES = ["manager", "analyst", "admin"];
  const NEGATIVE_UP_TO = 4; // out of 10
  const SHOWN = 10;
  const STATUS_NAMES = { open: "Open", acknowledged: "Acknowledged", resolved: "Resolved" };
  // The changes offered from each state: [the state to set, the button's text].
  const ACTIONS = {
    open: [["acknowledged", "Acknowledge"], ["resolved", "Resolve"]],
    acknowledged: [["resolved", "Resolve"], ["open", "Reopen"]],
    resolved: [["open", "Reopen"]],
  };
  const DONE = { acknowledged: "acknowledged", resolved: "resolved", open: "opened again" };

  function figure(list, term, value) {
    list.append(el("dt", { text: term }), el("dd", { text: value }));
  }

  function notice(container, text) {
    container.replaceChildren(el("p", { text }));
  }

  function hotelOption(hotel) {
    return [String(hotel.id), hotel.name + (hotel.city ? " (" + hotel.city + ")" : "")];
  }

  function fillChooser(options, chosen) {
    const select = document.getElementById("f-hotel");
    for (const [value, text] of options) {
      // `selected`, the option's default: what the form resets to (common.js).
      select.append(el("option", { value, text, selected: value === chosen }));
    }
  }

  /* Any hotel: a page of hotels by name, plus the URL's hotel if it is not on it. */
  async function fillHotels(chosen) {
    const page = await api("/hotels", { sort: "name", limit: 100 });
    const options = page.items.map(hotelOption);
    if (chosen && !options.some(([value]) => value === chosen)) options.unshift([chosen, "Hotel " + chosen]);
    fillChooser(options, chosen);
  }

  function refuse(text) {
    const problem = document.getElementById("problem");
    problem.textContent = text;
    problem.hidden = false;
    setStatus("");
  }

  /* A manager's own hotels only; the URL's hotel, else the first of them. The hotel to show,
     or null (none assigned, or the URL names another's: said so). */
  async function chooseOwnHotel(who, chosen) {
    const ids = who.hotelIds.map(String);
    if (!ids.length) {
      refuse("Signed in as " + who.name + ": no hotel is assigned to you yet. Ask an administrator to add yours.");
      return null;
    }
    const hotels = await Promise.all(ids.map((id) => api("/hotels/" + id)));
    const hotel = chosen || ids[0];
    fillChooser(hotels.map(hotelOption), hotel);
    if (!ids.includes(hotel)) {
      refuse("Hotel " + hotel + " is not one of yours: choose one of your hotels.");
      return null;
    }
    return hotel;
  }

  /* The competitive set as the server ranked it (the city's hotels of the same star band):
     its best hotels, and this one in its place when it is not among them. */
  const SET_SHOWN = 10;

  async function competitors(hotel, reputation) {
    const page = await api("/hotels/" + hotel.id + "/competitive-set", { limit: SET_SHOWN });
    const best = page.items.length;
    const members = page.items;
    if (!members.some((member) => member.hotel_id === hotel.id)) {
      members.push({ hotel_id: hotel.id, name: hotel.name, rank: page.rank, index: reputation.index });
    }
    return { members, best };
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
    const { members, best } = set && set.size > 1 ? await competitors(hotel, reputation) : { members: [], best: 0 };
    if (members.length > 1) {
      const body = el("tbody");
      for (const member of members) {
        const own = member.hotel_id === hotel.id;
        const name = own ? el("strong", { text: member.name + " (this hotel)" }) : el("a", { href: "/hotels/" + member.hotel_id, text: member.name });
        body.append(el("tr", { class: own ? "own" : null },
          el("td", { text: String(member.rank) }),
          el("th", { scope: "row" }, name),
          el("td", {}, el("meter", { min: 0, max: 100, value: member.index, "aria-label": member.name + " index" }), " " + member.index.toFixed(0))));
      }
      const shown = "The competitive set's indices (0–100)" +
        (set.size > best ? ": its best " + best + " of " + set.size + (best < members.length ? ", and this hotel" : "") : "");
      box.append(el("table", { class: "compset" },
        el("caption", { text: shown }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Rank" }), el("th", { scope: "col", text: "Hotel" }), el("th", { scope: "col", text: "Index" }))),
        body));
    }
  }

  function alertTitle(alert) {
    return alert.kind.replaceAll("_", " ") + (alert.aspect ? ": " + alert.aspect : "");
  }

  /* One alert, with a note field and a button for each change its state allows. */
  function alertItem(alert, hotelId) {
    const noteId = "alert-note-" + alert.id;
    const titleId = "alert-title-" + alert.id;
    const note = el("input", { id: noteId, type: "text", maxlength: 500, autocomplete: "off" });
    const actions = el("div", { class: "alert-actions" },
      el("div", { class: "field" }, el("label", { for: noteId, text: "Note (optional)" }), note));
    for (const [status, text] of ACTIONS[alert.status]) {
      const button = el("button", { type: "button", text, "aria-describedby": titleId });
      button.addEventListener("click", () => changeAlert(alert, status, note.value, hotelId, actions));
      actions.append(button);
    }
    const changed = alert.status_changed_at
      ? el("p", { class: "meta", text: STATUS_NAMES[alert.status] + " " + day(alert.status_changed_at) + (alert.status_note ? ": " + alert.status_note : "") })
      : null;
    return el("li", { class: "alert-item " + alert.status },
      el("p", { class: "alert-kind", id: titleId, text: alertTitle(alert) }),
      el("p", { text: alert.message }),
      el("p", { class: "meta", text: "Since " + alert.onset + " · detected " + day(alert.detected_at) }),
      changed,
      actions);
  }

  async function showAlerts(hotelId) {
    const list = document.getElementById("alerts");
    const status = document.getElementById("f-alert-status").value;
    const page = await HR.authApi("/alerts", { hotel_id: hotelId, status, limit: SHOWN });
    list.setAttribute("aria-label", STATUS_NAMES[status] + " alerts");
    list.replaceChildren(...page.items.map((alert) => alertItem(alert, hotelId)));
    document.getElementById("alerts-status").textContent = page.items.length ? "" : "No " + status + " alerts for this hotel.";
  }

  /* PATCH the alert's state, then show the list again (the alert leaves it) and say so. */
  async function changeAlert(alert, status, note, hotelId, actions) {
    const said = document.getElementById("alerts-status");
    for (const button of actions.querySelectorAll("button")) button.disabled = true;
    try {
      await HR.authApi("/alerts/" + alert.id, null, { method: "PATCH", body: { status, note: note.trim() || null } });
      await showAlerts(hotelId);
      said.textContent = "Alert " + DONE[status] + ": " + alertTitle(alert) + ".";
      document.getElementById("alerts-heading").focus(); // its button is gone: focus stays near
    } catch (error) {
      for (const button of actions.querySelectorAll("button")) button.disabled = false;
      said.textContent = "The alert could not be changed: " + describe(error);
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
    let { hotel } = pageQuery(["hotel"]);
    document.getElementById("dashboard-form").hidden = false;
    if (hotel && !/^[1-9][0-9]{0,18}$/.test(hotel)) {
      showProblem(new Error("the hotel is given by its number, e.g. ?hotel=12"));
      return;
    }
    if (who.everyHotel) {
      await fillHotels(hotel);
    } else {
      hotel = await chooseOwnHotel(who, hotel);
      if (hotel === null) return;
    }
    if (!hotel) {
      setStatus("Choose a hotel.");
      return;
    }
    document.getElementById("f-alert-status").addEventListener("change", () => {
      guarded(() => showAlerts(hotel), document.getElementById("alerts-status"));
    });
    await showDashboard(hotel);
  }

  start().catch(showProblem);
})();
