/* Full-text search (/search?q=): matching reviews with their highlighted snippets, from
   GET /api/v1/reviews/search. */
"use strict";

(async function () {
  const { el, api, pageQuery, showProblem, setStatus, showPager, snippet, review } = window.HR;
  const list = document.getElementById("results");
  const query = pageQuery(["q", "hotel_id", "cursor"]);
  if (!query.q) {
    setStatus("Type words to look for in the search box.");
    document.getElementById("site-search").focus();
    return;
  }
  try {
    const page = await api("/reviews/search", { ...query, limit: 20 });
    setStatus(page.items.length ? "" : "No review matches.");
    for (const hit of page.items) {
      const article = review(hit, true);
      article.append(snippet(hit.snippet));
      list.append(el("li", {}, article));
    }
    showPager(page.next_cursor);
  } catch (error) {
    showProblem(error);
  }
})();
