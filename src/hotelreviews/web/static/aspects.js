/* Aspects over time (the hotel page and the dashboard): the share of positive opinions per
   aspect and bucket from the trend API (`points[].aspects`), as a uPlot chart of one line per
   aspect and as a table (the chart's text alternative, and the whole of it without uPlot). */
"use strict";

(function (HR) {
  const { el } = HR;
  // Ten colours told apart on white, each with contrast ≥ 3:1 against it (WCAG 1.4.11).
  const COLOURS = ["#1f5fa8", "#b3261e", "#1b7a3a", "#8a4b08", "#6a3d9a", "#00727a", "#a1166b", "#4a4a4a", "#7a6a00", "#c25e00"];
  const HEIGHT = 280;

  function label(aspect) {
    return aspect.replaceAll("_", " ");
  }

  function fillTable(body, points) {
    for (const point of points) {
      for (const item of point.aspects || []) {
        body.append(el("tr", {},
          el("th", { scope: "row", text: point.start.slice(0, 7) }),
          el("td", { text: label(item.aspect) }),
          el("td", { text: String(item.positive) }),
          el("td", { text: String(item.negative) }),
          el("td", { text: Math.round(item.positive_share * 100) + "%" })));
      }
    }
  }

  /* The chart's series: one per aspect mentioned in any bucket, null where it was not. */
  function series(points) {
    const names = [...new Set(points.flatMap((p) => (p.aspects || []).map((a) => a.aspect)))].sort();
    const columns = names.map((name) =>
      points.map((p) => {
        const found = (p.aspects || []).find((a) => a.aspect === name);
        return found ? Math.round(found.positive_share * 1000) / 10 : null;
      }));
    return { names, columns };
  }

  /* Draw into `chart` (an element) and fill `tableBody`; a sentence instead of an empty chart. */
  function aspectTrend(chart, tableBody, points) {
    fillTable(tableBody, points);
    const { names, columns } = series(points);
    if (!names.length) {
      chart.replaceChildren(el("p", { text: "No opinions on any aspect in these reviews yet." }));
      return;
    }
    if (!window.uPlot) {
      chart.replaceChildren(el("p", { text: "The chart library is not installed: see the table below." }));
      return;
    }
    const width = () => Math.max(chart.clientWidth, 280);
    const plot = new window.uPlot({
      width: width(),
      height: HEIGHT,
      series: [{}, ...names.map((name, i) => ({
        label: label(name), stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true,
        points: { show: true, size: 5 },
      }))],
      scales: { y: { range: [0, 100] } },
      axes: [{}, { label: "Positive opinions (%)" }],
    }, [points.map((p) => Date.parse(p.start) / 1000), ...columns], chart);
    window.addEventListener("resize", () => plot.setSize({ width: width(), height: HEIGHT }));
  }

  HR.aspectTrend = aspectTrend;
})(window.HR);
