// Hover or focus a highlight: a tooltip lists every span covering it, with its label and score,
// and lights up all pieces of those spans. Split from app.js, which it builds on (FramingPage).
"use strict";

(function () {
  const { state, $, el, pretty, fmt, colourOf, shownSpans } = window.FramingPage;

  function showTooltip(mark) {
    if (!state.analysis) return;
    const spans = shownSpans();
    const indices = mark.dataset.spans.split(" ").map(Number);
    const tip = $("tooltip");
    const items = el("ul");
    for (const index of indices) {
      const span = spans[index];
      const how = span.unit === "sentence" ? " — the sentence as a whole: the model could not place the words"
        : (span.score === null || span.score === undefined ? " — your correction" : "");
      items.append(el("li", {},
        el("span", { class: "swatch", "--c": colourOf(span.label) }),
        el("span", {}, el("strong", { text: pretty(span.label) }),
          span.score === null || span.score === undefined ? "" : ` ${fmt(span.score)}`, how,
          el("span", { class: "quote", text: `“${span.text}”` }))));
    }
    tip.replaceChildren(items);
    tip.hidden = false;
    const box = mark.getBoundingClientRect();
    const top = window.scrollY + box.bottom + 8;
    const left = Math.min(window.scrollX + box.left, window.scrollX + document.documentElement.clientWidth - 400);
    tip.style.top = `${top}px`;
    tip.style.left = `${Math.max(8, left)}px`;
    // Light up every piece of the spans under the pointer, so a span cut by others reads as one.
    const container = $("document");
    container.classList.add("dim");
    for (const other of container.querySelectorAll("mark.hl")) {
      const mine = other.dataset.spans.split(" ").map(Number);
      other.classList.toggle("active", mine.some((i) => indices.includes(i)));
    }
    mark.setAttribute("aria-describedby", "tooltip");
  }

  function hideTooltip(mark) {
    $("tooltip").hidden = true;
    const container = $("document");
    container.classList.remove("dim");
    for (const other of container.querySelectorAll("mark.hl.active")) other.classList.remove("active");
    if (mark) mark.removeAttribute("aria-describedby");
  }

  window.FramingPage.hideTooltip = hideTooltip;

  document.addEventListener("DOMContentLoaded", () => {
    const documentNode = $("document");
    documentNode.addEventListener("mouseover", (event) => {
      const mark = event.target.closest("mark.hl");
      if (mark) showTooltip(mark);
    });
    documentNode.addEventListener("mouseout", (event) => {
      const mark = event.target.closest("mark.hl");
      if (mark && !mark.contains(event.relatedTarget)) hideTooltip(mark);
    });
    documentNode.addEventListener("focusin", (event) => {
      const mark = event.target.closest("mark.hl");
      if (mark) showTooltip(mark);
    });
    documentNode.addEventListener("focusout", (event) => {
      const mark = event.target.closest("mark.hl");
      if (mark) hideTooltip(mark);
    });
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") hideTooltip(null); });
  });
})();
