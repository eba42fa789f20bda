// The web page: send the text to /v1/analyze, then draw the Analysis.
// No framework, no build step, no outside assets. Offsets in the Analysis are Unicode code
// points; JavaScript strings index UTF-16 units, so every offset goes through toUnit().
"use strict";

(function () {
  // Distinguishable colours (Kelly's list, plus three), one per technique in taxonomy order.
  const PALETTE = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45",
    "#fabed4", "#469990", "#dcbeff", "#9a6324", "#d4b000", "#800000", "#aaffc3", "#808000",
    "#ffd8b1", "#000075", "#a9a9a9", "#ff7f50", "#2f4f4f", "#b8860b", "#6a5acd",
  ];
  // The colour Loaded_Language gets whatever its position: it is the most frequent technique.
  const PREFERRED = { Loaded_Language: "#e6194b", "Name_Calling-Labeling": "#4363d8" };

  const EXAMPLE =
    "The corrupt elites in the capital have once again betrayed ordinary families, " +
    "pushing a disastrous plan that everyone knows will ruin the country.\n" +
    "Either we stop them now or we lose everything our grandparents built.\n\n" +
    "The ministry said the plan would cost 2 billion over five years and would be reviewed in March.";

  const MAX_UNDERLINES = 4;
  const SURE = 0.5; // every label's precise threshold, on the scale the Analysis reports
  const $ = (id) => document.getElementById(id);
  const state = {
    labels: null,          // /v1/labels
    colours: new Map(),    // technique -> colour
    definitions: new Map(),
    categories: new Map(),
    hidden: new Set(),     // techniques unticked in the legend
    analysis: null,
    text: "",
    review: null,          // review mode's working copy (review.js): { spans, frames }
    allSentenceFrames: false,
  };

  // The spans drawn: the model's, or in review mode the working copy (scores null).
  const shownSpans = () => (state.review ? state.review.spans : (state.analysis ? state.analysis.spans : []));

  // ------------------------------------------------------------------ helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("--")) node.style.setProperty(key, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const pretty = (label) => label.replace(/_/g, " ");
  const fmt = (score) => Number(score).toFixed(2);

  function colourOf(label) {
    if (!state.colours.has(label)) {
      // A label the page did not learn from /v1/labels: a stable colour from its name.
      let hash = 0;
      for (const ch of label) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
      state.colours.set(label, PALETTE[hash % PALETTE.length]);
    }
    return state.colours.get(label);
  }

  function tint(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }

  // Code-point offset -> UTF-16 offset, for this text.
  function unitMapper(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
    const map = [];
    let unit = 0;
    for (const ch of text) { map.push(unit); unit += ch.length; }
    map.push(unit);
    return (i) => map[Math.max(0, Math.min(i, map.length - 1))];
  }

  function setStatus(message, isError) {
    const status = $("status");
    status.textContent = message || "";
    status.classList.toggle("error", Boolean(isError));
  }

  // ------------------------------------------------------------------ start-up

  async function loadLabels() {
    try {
      const response = await fetch("/v1/labels");
      if (!response.ok) return;
      state.labels = await response.json();
      const used = new Set(Object.values(PREFERRED));
      const free = PALETTE.filter((c) => !used.has(c));
      state.labels.techniques.forEach((t) => {
        state.colours.set(t.name, PREFERRED[t.name] || free.shift() || PALETTE[0]);
        state.definitions.set(t.name, t.definition);
        state.categories.set(t.name, t.category);
      });
      state.labels.frames.forEach((f) => state.definitions.set(f.name, f.definition));
    } catch (error) {
      // The page still works with hashed colours and without definitions.
    }
  }

  async function loadModel() {
    try {
      const response = await fetch("/v1/model");
      const info = await response.json();
      $("model-info").textContent = response.ok ? `Model: ${info.name} ${info.version}` : "Model: not loaded";
      // Offer only the operating points this model was calibrated for.
      const points = (response.ok && Array.isArray(info.operating_points)) ? info.operating_points : ["precise"];
      for (const option of $("sensitivity").options) {
        option.disabled = !points.includes(option.value);
        if (option.disabled) option.title = "this model was not calibrated for it";
      }
      if ($("sensitivity").selectedOptions[0]?.disabled) $("sensitivity").value = "precise";
    } catch (error) {
      $("model-info").textContent = "Model: unavailable";
    }
  }

  // ------------------------------------------------------------------ analyse

  async function analyse(event) {
    if (event) event.preventDefault();
    const text = $("text").value;
    if (!text.trim()) {
      setStatus("Paste some text first.", true);
      $("text").focus();
      return;
    }
    const options = {};
    const minScore = parseFloat($("min-score").value);
    if (!Number.isNaN(minScore) && minScore > 0) options.min_score = Math.min(minScore, 1);
    // The operating point (options.sensitivity); a model without sensitive thresholds answers 422.
    options.sensitivity = $("sensitivity").value === "sensitive" ? "sensitive" : "precise";
    const button = $("analyse");
    button.disabled = true;
    setStatus("Analysing…");
    const started = performance.now();
    try {
      const response = await fetch("/v1/analyze", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ text, options }),
      });
      let body = null;
      try { body = await response.json(); } catch (error) { body = null; }
      if (!response.ok) {
        const detail = body && body.detail ? body.detail : response.statusText;
        const retry = response.headers.get("Retry-After");
        setStatus(`${response.status}: ${detail}${retry ? ` (try again in ${retry} s)` : ""}`, true);
        return;
      }
      state.analysis = body;
      state.text = text;
      state.review = null;
      document.dispatchEvent(new CustomEvent("framing:analysed"));
      render();
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const n = body.spans.length;
      setStatus(`${n} span${n === 1 ? "" : "s"}, ${body.techniques.length} technique(s), ` +
                `${body.frames.length} frame(s), ${body.operating_point || "precise"} operating point — ` +
                `${seconds} s.`);
    } catch (error) {
      setStatus(`Could not reach the service: ${error.message}`, true);
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------------ render

  function render() {
    const analysis = state.analysis;
    if (!analysis) return;
    $("results").hidden = false;
    renderWarnings(analysis.warnings || []);
    renderDocument(analysis, state.text);
    renderFrames(analysis.frames);
    renderLegend(analysis);
    renderSpanTable(analysis, state.text);
  }

  // Rows cover the text end to end: row i runs from sentence i's start (0 for the first) to the
  // next sentence's start (the end of the text for the last), so no character is ever dropped.
  function rows(analysis, text) {
    const n = [...text].length;
    const sentences = analysis.sentences || [];
    if (sentences.length === 0) return [{ start: 0, end: n, sentence: null }];
    return sentences.map((s, i) => ({
      start: i === 0 ? 0 : s.start,
      end: i + 1 < sentences.length ? sentences[i + 1].start : n,
      sentence: s,
    }));
  }

  function renderWarnings(warnings) {
    const box = $("warnings");
    box.replaceChildren(...warnings.map((w) => el("p", { class: "warning", "data-code": w.code }, el("strong", { text: "Warning: " }), w.message)));
    box.hidden = warnings.length === 0;
  }

  // Frames carried by most sentences say no more than the article's list beside the text; a
  // sentence shows the others, which tell where in the article a frame comes from.
  function commonFrames(analysis) {
    const counts = new Map();
    for (const s of analysis.sentences) for (const f of s.frames) counts.set(f.label, (counts.get(f.label) || 0) + 1);
    const half = analysis.sentences.length / 2;
    return new Set([...counts].filter(([, n]) => n > half && analysis.sentences.length > 2).map(([label]) => label));
  }

  function renderDocument(analysis, text) {
    const toUnit = unitMapper(text);
    const container = $("document");
    container.replaceChildren();
    const spans = shownSpans().map((span, index) => ({ ...span, index }))
      .filter((span) => !state.hidden.has(span.label));
    const common = state.allSentenceFrames ? new Set() : commonFrames(analysis);
    container.classList.toggle("reviewing", Boolean(state.review));
    const layout = rows(analysis, text);
    container.classList.toggle("whole", layout.length === 1 && layout[0].sentence === null);
    for (const row of layout) {
      const textCell = el("div", { class: "sentence-text" });
      // Line breaks ending a row are kept in the text (the rows are the text) but not drawn as
      // blank lines: a paragraph end is a margin instead, so long articles have no large gaps.
      const trail = /\s*\n\s*$/u.exec(text.slice(toUnit(row.start), toUnit(row.end)));
      const cut = trail ? row.end - [...trail[0]].length : row.end;
      appendHighlighted(textCell, text, toUnit, row.start, cut, spans);
      if (trail) textCell.append(el("span", { class: "trail", "aria-hidden": "true", text: trail[0] }));
      const labelCell = el("div", { class: "sentence-labels" });
      if (row.sentence) {
        for (const frame of row.sentence.frames) {
          if (common.has(frame.label)) continue;
          labelCell.append(el("span", { class: chipClass("chip frame", frame.score), title: state.definitions.get(frame.label) || "" },
            pretty(frame.label), el("span", { class: "score", text: fmt(frame.score) })));
        }
        for (const technique of row.sentence.techniques) {
          if (state.hidden.has(technique.label)) continue;
          labelCell.append(el("span", { class: chipClass("chip technique", technique.score),
            title: state.definitions.get(technique.label) || "" },
            el("span", { class: "swatch", "--c": colourOf(technique.label), "aria-hidden": "true" }),
            pretty(technique.label), el("span", { class: "score", text: fmt(technique.score) })));
        }
      }
      const rowNode = el("div", { class: "sentence", "data-sentence": row.sentence ? row.sentence.index : null },
        textCell);
      if (row.sentence && labelCell.childElementCount) rowNode.append(labelCell);
      else rowNode.classList.add("bare");
      if (trail && /\n\s*\n/u.test(trail[0])) rowNode.classList.add("paragraph-end");
      container.append(rowNode);
    }
  }

  // A label under 0.5 is one only the sensitive point asserts: its chip is drawn fainter.
  const chipClass = (base, score) => (score < SURE ? `${base} tentative` : base);

  // Cut [start, end) at every span boundary; each piece is plain text or a <mark> listing the
  // spans that cover it.
  function appendHighlighted(parent, text, toUnit, start, end, spans) {
    const inside = spans.filter((s) => s.start < end && s.end > start);
    const cuts = new Set([start, end]);
    for (const s of inside) {
      cuts.add(Math.max(s.start, start));
      cuts.add(Math.min(s.end, end));
    }
    const points = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i += 1) {
      const a = points[i];
      const b = points[i + 1];
      const piece = text.slice(toUnit(a), toUnit(b));
      const covering = inside.filter((s) => s.start <= a && s.end >= b)
        // innermost (shortest) first, then higher score
        .sort((x, y) => (x.end - x.start) - (y.end - y.start) || y.score - x.score);
      if (covering.length === 0) {
        parent.append(document.createTextNode(piece));
        continue;
      }
      // Placed words get a tint (the innermost span's) and one underline each, innermost first, with
      // a white gap between underlines so two colours never touch; at most MAX_UNDERLINES deep so
      // the stack never reaches the next line (the tooltip lists them all). A sentence marked whole
      // because no words were placed (unit "sentence") gets a dashed underline and no tint.
      const placed = covering.filter((s) => s.unit !== "sentence");
      const whole = covering.filter((s) => s.unit === "sentence");
      const inner = colourOf((placed[0] || covering[0]).label);
      // Scores read 0.5 at each label's precise threshold: words only the sensitive point marks
      // (every covering placed span under 0.5) get a paler tint. Corrections (no score) are sure.
      const tentative = placed.length > 0 && placed.every((s) => s.score != null && s.score < SURE);
      const underlines = placed.slice(0, MAX_UNDERLINES)
        .flatMap((s, k) => [`0 ${2 + 4 * k}px 0 #fff`, `0 ${4 + 4 * k}px 0 ${colourOf(s.label)}`])
        .filter((_, k) => k > 0).join(", ");
      const mark = el("mark", {
        class: (placed.length ? "hl" : "hl whole") + (tentative ? " tentative" : ""),
        tabindex: "0",
        "data-spans": covering.map((s) => s.index).join(" "),
        "data-labels": [...new Set(covering.map((s) => s.label))].join(" "),
        "aria-label": `${piece} — ${covering.map((s) => `${pretty(s.label)}${s.score == null ? "" : ` ${fmt(s.score)}`}${s.unit === "sentence" ? " (whole sentence)" : ""}`).join("; ")}`,
        "--bg": placed.length ? tint(inner, tentative ? 0.1 : 0.24) : "transparent",
        "--u": whole.length ? colourOf(whole[0].label) : null,
      }, piece);
      if (whole.length) mark.classList.add("sentence-mark");
      if (underlines) mark.style.boxShadow = underlines;
      parent.append(mark);
    }
  }

  function renderFrames(frames) {
    const list = $("article-frames");
    list.replaceChildren();
    if (frames.length === 0) {
      list.append(el("li", { class: "empty", text: "No frame asserted." }));
      return;
    }
    for (const frame of frames) {
      list.append(el("li", { title: state.definitions.get(frame.label) || "" },
        el("div", { class: "label-row" }, el("span", { text: pretty(frame.label) }),
          el("span", { class: "score", text: fmt(frame.score) })),
        el("div", { class: "bar" }, el("span", { "--w": `${Math.round(frame.score * 100)}%` }))));
    }
  }

  function renderLegend(analysis) {
    const list = $("legend");
    list.replaceChildren();
    if (analysis.techniques.length === 0) {
      list.append(el("li", { class: "empty", text: "No technique asserted." }));
      return;
    }
    const counts = new Map();
    for (const span of analysis.spans) counts.set(span.label, (counts.get(span.label) || 0) + 1);
    // Grouped by the taxonomy's categories, highest score first inside each.
    const groups = new Map();
    for (const item of analysis.techniques) {
      const category = state.categories.get(item.label) || "Other";
      if (!groups.has(category)) groups.set(category, []);
      groups.get(category).push(item);
    }
    for (const [category, items] of groups) {
      list.append(el("li", { class: "category", text: category }));
      for (const item of items) {
        const box = el("input", { type: "checkbox", "data-label": item.label });
        box.checked = !state.hidden.has(item.label);
        box.addEventListener("change", () => {
          if (box.checked) state.hidden.delete(item.label); else state.hidden.add(item.label);
          renderDocument(state.analysis, state.text);
        });
        const count = counts.get(item.label) || 0;
        list.append(el("li", { "data-label": item.label },
          el("label", { title: state.definitions.get(item.label) || "" }, box,
            el("span", { class: "swatch", "--c": colourOf(item.label), "aria-hidden": "true" }),
            el("span", { class: "name", text: `${pretty(item.label)}${count ? ` (${count})` : ""}` }),
            el("span", { class: "score", text: fmt(item.score) }))));
      }
    }
  }

  function renderSpanTable(analysis, text) {
    const body = $("span-rows");
    body.replaceChildren();
    $("span-count").textContent = String(analysis.spans.length);
    for (const span of analysis.spans) {
      body.append(el("tr", {},
        el("td", {}, el("span", { class: "swatch", "--c": colourOf(span.label), "aria-hidden": "true" }), " ",
          pretty(span.label)),
        el("td", { class: "num", text: fmt(span.score) }),
        el("td", { text: span.unit === "sentence" ? `${span.text} (whole sentence)` : span.text })));
    }
  }

  // ------------------------------------------------------------------ wiring

  function wire() {
    $("analyse-form").addEventListener("submit", analyse);
    $("text").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) analyse(event);
    });
    const count = () => { $("char-count").textContent = `${[...$("text").value].length.toLocaleString()} characters`; };
    $("text").addEventListener("input", count);
    $("example").addEventListener("click", () => { $("text").value = EXAMPLE; count(); analyse(); });
    count();
  }

  // What review.js builds on.
  window.FramingPage = { state, $, el, pretty, fmt, colourOf, render, renderDocument, setStatus, unitMapper, shownSpans };

  document.addEventListener("DOMContentLoaded", () => {
    wire();
    $("all-sentence-frames").addEventListener("change", (event) => {
      state.allSentenceFrames = event.target.checked;
      if (state.analysis) renderDocument(state.analysis, state.text);
    });
    loadLabels().then(() => { if (state.analysis) render(); });
    loadModel();
  });
})();
