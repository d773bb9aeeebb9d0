/* The Explorer (/): hotels matching the form's filters, from GET /api/v1/hotels. */
"use strict";

(async function () {
  const { el, api, pageQuery, showProblem, setStatus, showPager, count, rating } = window.HR;
  const list = document.getElementById("results");
  try {
    const query = pageQuery(["q", "city", "min_rating", "sort", "cursor"]);
    const page = await api("/hotels", { ...query, limit: 20 });
    setStatus(page.items.length ? "" : "No hotel matches these filters.");
    for (const hotel of page.items) {
      const place = [hotel.city, hotel.country].filter(Boolean).join(", ");
      const stars = hotel.stars ? hotel.stars + "★ · " : "";
      list.append(
        el("li", { class: "card" },
          el("h3", {}, el("a", { href: "/hotels/" + hotel.id, text: hotel.name })),
          el("p", { class: "place", text: place }),
          el("p", { class: "meta", text: stars + rating(hotel.average_rating) + " / 10 · " + count(hotel.review_count, "review", "reviews") }))
      );
    }
    showPager(page.next_cursor);
  } catch (error) {
    showProblem(error);
  }
})();
