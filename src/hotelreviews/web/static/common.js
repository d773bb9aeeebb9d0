/* What every page's script shares: API calls, building elements (text only: nothing from the
   API is ever parsed as markup), the page's query, the list's status and pager. */
"use strict";

window.HR = (function () {
  const API = "/api/v1";

  /* The forms show the URL's state, which the server wrote into them as their defaults. Back
     and forward would otherwise restore what was typed before leaving (a filter the list
     does not apply): reset them whenever the page is shown, from the cache too. */
  window.addEventListener("pageshow", () => {
    for (const form of document.forms) form.reset();
  });

  /* An element with attributes and children; strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = String(value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  class ApiProblem extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || "The API answered " + status);
      this.status = status;
      this.body = body;
    }
  }

  /* An API path's URL with the given parameters (empty values left out). */
  function apiUrl(path, params) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== "") query.set(name, value);
    }
    return API + path + (query.toString() ? "?" + query : "");
  }

  /* GET an API path with the given parameters; JSON or ApiProblem. */
  async function api(path, params) {
    const response = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiProblem(response.status, body);
    return body;
  }

  /* The page's query, restricted to the names the API route takes. */
  function pageQuery(names) {
    const query = new URLSearchParams(window.location.search);
    const picked = {};
    for (const name of names) {
      const value = query.get(name);
      if (value !== null && value !== "") picked[name] = value;
    }
    return picked;
  }

  /* The problem's message, with each invalid parameter the API named. */
  function describe(error) {
    if (!(error instanceof ApiProblem)) return "The data could not be loaded: " + error.message;
    const fields = ((error.body && error.body.errors) || [])
      .map((item) => (item.field || item.loc || "") + ": " + (item.message || item.msg || ""))
      .filter((line) => line !== ": ");
    return error.message + (fields.length ? " (" + fields.join("; ") + ")" : "");
  }

  function showProblem(error) {
    const box = document.getElementById("problem");
    box.textContent = describe(error);
    box.hidden = false;
    setStatus("");
  }

  function setStatus(text) {
    document.getElementById("status").textContent = text;
  }

  /* "Next page" carries the API's cursor in the page's own URL: a deep link, a history entry. */
  function showPager(nextCursor) {
    const query = new URLSearchParams(window.location.search);
    const hadCursor = query.has("cursor");
    query.delete("cursor");
    const first = document.getElementById("first-page");
    const next = document.getElementById("next-page");
    first.hidden = !hadCursor;
    first.href = window.location.pathname + (query.toString() ? "?" + query : "");
    next.hidden = !nextCursor;
    if (nextCursor) {
      query.set("cursor", nextCursor);
      next.href = window.location.pathname + "?" + query;
    }
    document.getElementById("pager").hidden = !hadCursor && !nextCursor;
  }

  function count(n, one, many) {
    return n.toLocaleString("en") + " " + (n === 1 ? one : many);
  }

  function rating(value) {
    return value === null || value === undefined ? "no rating" : Number(value).toFixed(1);
  }

  function day(iso) {
    return iso ? String(iso).slice(0, 10) : "";
  }

  /* A search snippet is HTML from the API: escaped text with <mark> around matches. Parsed
     inert (DOMParser runs nothing) and rebuilt from its text and <mark>s only. */
  function snippet(html) {
    const parsed = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    const out = document.createElement("p");
    out.className = "snippet";
    for (const node of parsed.body.firstChild.childNodes) {
      if (node.nodeName === "MARK") out.append(el("mark", { text: node.textContent }));
      else out.append(document.createTextNode(node.textContent));
    }
    return out;
  }

  /* One review: every field as text. */
  function review(item, withHotel) {
    const meta = [
      rating(item.rating_normalized) + " / 10",
      day(item.review_date),
      (item.provider && item.provider.name) || "",
      item.traveller_type || "",
      item.language || "",
    ].filter(Boolean);
    const article = el(
      "article",
      { class: "review" },
      el("h3", { text: item.title || "Review " + item.id }),
      withHotel
        ? el("p", { class: "hotel-link" }, el("a", { href: "/hotels/" + item.hotel.id, text: item.hotel.name }))
        : null,
      el("p", { class: "meta", text: meta.join(" · ") })
    );
    return article;
  }

  function reviewBody(article, item) {
    if (item.text) article.append(el("p", { class: "text", text: item.text }));
    if (item.positives) article.append(el("p", { class: "positives" }, el("strong", { text: "Liked: " }), item.positives));
    if (item.negatives) article.append(el("p", { class: "negatives" }, el("strong", { text: "Disliked: " }), item.negatives));
    if (item.response && item.response.text) {
      article.append(
        el("blockquote", { class: "response" },
          el("p", { class: "responder", text: "Response from " + (item.response.responder || "the hotel") }),
          el("p", { text: item.response.text }))
      );
    }
    return article;
  }

  return { el, api, apiUrl, pageQuery, describe, showProblem, setStatus, showPager, count, rating, day, snippet, review, reviewBody, ApiProblem };
})();
