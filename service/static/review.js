// Review mode: correct the model's output where it is shown, then store the correction with
// POST /v1/annotations (with the model version it corrects). `framing annotations export` writes
// the stored corrections as JSONL for `framing train --data`. Builds on app.js (FramingPage).
// Offsets are code points, as in the Analysis and the annotation API.
"use strict";

(function () {
  const page = window.FramingPage;
  const { state, $, el, pretty, colourOf } = page;
  const COUNT_KEY = "framing.corrections-saved";
  let pending = null; // the words selected in the text: { start, end } in code points
  let editorFor = null; // the highlight the span editor was opened from

  const techniques = () => (state.labels ? state.labels.techniques.map((t) => t.name)
    : [...new Set(state.analysis.techniques.map((t) => t.label))]);
  const frameNames = () => (state.labels ? state.labels.frames.map((f) => f.name)
    : state.analysis.frames.map((f) => f.label));

  function say(message, isError) {
    const status = $("review-status");
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  async function showCount() {
    const n = Number(localStorage.getItem(COUNT_KEY) || 0);
    const mine = `${n} correction${n === 1 ? "" : "s"} saved from this browser`;
    $("review-count").textContent = `${mine}.`;
    try {
      const response = await fetch("/v1/annotations/stats", { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const stored = (await response.json()).stored;
      $("review-count").textContent =
        `${stored} correction${stored === 1 ? "" : "s"} stored in the service's database; ${mine}.`;
    } catch (error) { /* the browser's own count stays */ }
  }

  function options(select, names, chosen) {
    select.replaceChildren(...names.map((name) => {
      const option = el("option", { value: name, text: pretty(name) });
      option.selected = name === chosen;
      return option;
    }));
  }

  // ------------------------------------------------------------------ entering and leaving

  function start() {
    const analysis = state.analysis;
    // Whole sentences marked only because no words were placed are claims, not spans to train on.
    state.review = {
      spans: analysis.spans.filter((s) => s.unit !== "sentence")
        .map((s) => ({ start: s.start, end: s.end, label: s.label, text: s.text, score: s.score })),
    };
    options($("review-technique"), techniques(), (analysis.techniques[0] || {}).label || "Loaded_Language");
    const asserted = new Set(analysis.frames.map((f) => f.label));
    $("review-frames-list").replaceChildren(...frameNames().map((name) => {
      const box = el("input", { type: "checkbox", "data-frame": name, id: `frame-${name}` });
      box.checked = asserted.has(name);
      return el("li", {}, el("label", { for: `frame-${name}` }, box, ` ${pretty(name)}`));
    }));
    $("review-panel").hidden = false;
    $("review-toggle").setAttribute("aria-pressed", "true");
    $("review-toggle").textContent = "Leave review";
    say("");
    showCount();
    page.renderDocument(analysis, state.text);
    $("review-technique").focus();
  }

  function stop() {
    state.review = null;
    pending = null;
    closeEditor();
    $("review-panel").hidden = true;
    $("review-toggle").setAttribute("aria-pressed", "false");
    $("review-toggle").textContent = "Review and correct";
    if (state.analysis) page.renderDocument(state.analysis, state.text);
  }

  // ------------------------------------------------------------------ adding a span

  // A point in the drawn text -> its UTF-16 offset in the whole text (the rows are the text).
  function unitOffset(container, offset) {
    const root = $("document");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (node.parentElement.closest(".sentence-text") ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT),
    });
    const point = document.createRange();
    point.setStart(container, offset);
    let total = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node === container) return total + offset;
      const whole = document.createRange();
      whole.selectNodeContents(node);
      if (whole.compareBoundaryPoints(Range.START_TO_START, point) >= 0) return total;
      total += node.length;
    }
    return total;
  }

  const codePoints = (text, units) => [...text.slice(0, units)].length;

  function trimmed(startPoint, endPoint) {
    const chars = [...state.text];
    let a = startPoint;
    let b = endPoint;
    while (a < b && /\s/u.test(chars[a])) a += 1;
    while (b > a && /\s/u.test(chars[b - 1])) b -= 1;
    return a < b ? { start: a, end: b, text: chars.slice(a, b).join("") } : null;
  }

  function readSelection() {
    const selection = window.getSelection();
    if (!state.review || !selection || selection.isCollapsed || selection.rangeCount === 0) return;
    const range = selection.getRangeAt(0);
    if (!$("document").contains(range.commonAncestorContainer)) return;
    const a = codePoints(state.text, unitOffset(range.startContainer, range.startOffset));
    const b = codePoints(state.text, unitOffset(range.endContainer, range.endOffset));
    pending = trimmed(Math.min(a, b), Math.max(a, b));
    if (pending) $("review-words").value = pending.text;
  }

  // The typed words: the selection they came from, else their first occurrence not yet a span of
  // this technique.
  function placeWords(words, label) {
    if (pending && pending.text === words) return pending;
    const chars = [...state.text];
    const target = [...words];
    for (let i = 0; i + target.length <= chars.length; i += 1) {
      if (chars.slice(i, i + target.length).join("") !== words) continue;
      const taken = state.review.spans.some((s) => s.start === i && s.end === i + target.length && s.label === label);
      if (!taken) return { start: i, end: i + target.length, text: words };
    }
    return null;
  }

  function addSpan() {
    const words = $("review-words").value.trim();
    const label = $("review-technique").value;
    if (!words) {
      say("Select words in the text, or type them in the Words box.", true);
      return;
    }
    const place = placeWords(words, label);
    if (!place) {
      say(`“${words}” is not in the text (or is already a ${pretty(label)} span).`, true);
      return;
    }
    state.review.spans.push({ ...place, label, score: null });
    state.review.spans.sort((x, y) => x.start - y.start || x.end - y.end);
    pending = null;
    $("review-words").value = "";
    say(`Added ${pretty(label)}: “${place.text}”.`);
    page.renderDocument(state.analysis, state.text);
  }

  // ------------------------------------------------------------------ relabel or remove

  function closeEditor() {
    $("span-editor").hidden = true;
    const back = editorFor;
    editorFor = null;
    if (back && back.isConnected) back.focus();
  }

  function openEditor(mark) {
    if (page.hideTooltip) page.hideTooltip(mark);
    const indices = mark.dataset.spans.split(" ").map(Number);
    const editor = $("span-editor");
    const rows = indices.map((index) => {
      const span = state.review.spans[index];
      const select = el("select", { "aria-label": `Technique of “${span.text}”`, "data-index": index });
      options(select, techniques(), span.label);
      select.addEventListener("change", () => {
        Object.assign(span, { label: select.value, score: null });
        say(`Relabelled “${span.text}” as ${pretty(select.value)}.`);
        editorFor = null;
        closeEditor();
        page.renderDocument(state.analysis, state.text);
      });
      const remove = el("button", { type: "button", class: "remove", text: "Remove" });
      remove.addEventListener("click", () => {
        state.review.spans.splice(index, 1);
        say(`Removed ${pretty(span.label)}: “${span.text}”.`);
        editorFor = null;
        closeEditor();
        page.renderDocument(state.analysis, state.text);
      });
      return el("li", {}, el("span", { class: "swatch", "--c": colourOf(span.label), "aria-hidden": "true" }),
        el("span", { class: "quote", text: `“${span.text}”` }), select, remove);
    });
    const close = el("button", { type: "button", class: "close", text: "Close" });
    close.addEventListener("click", closeEditor);
    editor.replaceChildren(el("ul", {}, ...rows), close);
    const box = mark.getBoundingClientRect();
    editor.style.top = `${window.scrollY + box.bottom + 6}px`;
    editor.style.left = `${Math.max(8, Math.min(window.scrollX + box.left,
      window.scrollX + document.documentElement.clientWidth - 360))}px`;
    editor.hidden = false;
    editorFor = mark;
    editor.querySelector("select").focus();
  }

  // ------------------------------------------------------------------ saving

  async function save() {
    const analysis = state.analysis;
    const body = {
      text: state.text,
      spans: state.review.spans.map((s) => ({ start: s.start, end: s.end, label: s.label })),
      frames: [...document.querySelectorAll("#review-frames-list input:checked")].map((box) => box.dataset.frame),
      model_version: analysis.model.version,
    };
    $("review-save").disabled = true;
    say("Saving…");
    try {
      const response = await fetch("/v1/annotations", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      let answer = null;
      try { answer = await response.json(); } catch (error) { answer = null; }
      if (!response.ok) {
        const detail = (answer && answer.detail) || response.statusText;
        // A text refusal's one error repeats the detail: list only what the detail does not already say.
        const messages = (answer && answer.errors ? answer.errors : [])
          .map((e) => e.message || e.msg || JSON.stringify(e)).filter((m) => !detail.includes(m));
        const reasons = messages.length ? ` (${messages.join("; ")})` : "";
        say(`Not saved — ${response.status}: ${detail}${reasons}`, true);
        return;
      }
      if (answer.status === "stored") localStorage.setItem(COUNT_KEY, String(Number(localStorage.getItem(COUNT_KEY) || 0) + 1));
      say(`Saved as ${answer.id} (${body.spans.length} span(s), ${body.frames.length} frame(s), ` +
          `correcting model ${answer.model_version || "unknown"})${answer.status === "unchanged" ? ": already stored" : ""}.`);
      showCount();
    } catch (error) {
      say(`Could not reach the service: ${error.message}`, true);
    } finally {
      $("review-save").disabled = false;
    }
  }

  // ------------------------------------------------------------------ wiring

  document.addEventListener("DOMContentLoaded", () => {
    $("review-toggle").addEventListener("click", () => (state.review ? stop() : start()));
    $("review-add").addEventListener("click", addSpan);
    $("review-words").addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); addSpan(); }
    });
    $("review-save").addEventListener("click", save);
    $("review-cancel").addEventListener("click", stop);
    const documentNode = $("document");
    documentNode.addEventListener("mouseup", () => setTimeout(readSelection, 0));
    documentNode.addEventListener("keyup", (event) => { if (event.shiftKey) readSelection(); });
    documentNode.addEventListener("click", (event) => {
      const mark = event.target.closest("mark.hl");
      const selection = window.getSelection();
      if (state.review && mark && (!selection || selection.isCollapsed)) openEditor(mark);
    });
    documentNode.addEventListener("keydown", (event) => {
      const mark = event.target.closest("mark.hl");
      if (state.review && mark && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        openEditor(mark);
      }
    });
    $("span-editor").addEventListener("keydown", (event) => { if (event.key === "Escape") closeEditor(); });
    document.addEventListener("framing:analysed", stop);
    showCount();
  });
})();
