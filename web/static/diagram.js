// bpmn-js glue: load the BPMN XML from data-xml-url into a NavigatedViewer and mark
// element states (data-states: {element_id: completed|active|waiting|cancelled}), the
// current task (data-current) and the flows taken (data-flows: [[source, target], ...]).
// It opens fitted to the width at a readable scale, centred on the step that matters
// (layout); the toolbar beside it (.diagram-tools[data-for=<id>]) zooms in, out, to the
// whole diagram and to the current step, and toggles full screen. When drawn:
// data-loaded="true".
// A page may change data-states, data-flows and data-acted (the element one step acted
// on) later and send the container a "pf:remark" event: the markers are redrawn (after
// loading the model again if data-xml-url changed too).
(function () {
  "use strict";

  const STEP = 1.25;
  const MIN_HEIGHT = 320;
  const READABLE = 0.8; // the least scale a diagram opens at (labels readable)
  const MARGIN = 24; // diagram units around the drawing
  const STRIP = 34; // px below the drawing for the bpmn.io watermark (ux.css)

  function parse(json, fallback) {
    try { return json ? JSON.parse(json) : fallback; } catch (e) { return fallback; }
  }

  function markFlows(registry, canvas, flows) {
    const wanted = new Set(flows.map((f) => f[0] + "\u0000" + f[1]));
    registry.filter((el) => el.type === "bpmn:SequenceFlow").forEach((el) => {
      const bo = el.businessObject;
      const key = (bo.sourceRef && bo.sourceRef.id) + "\u0000" + (bo.targetRef && bo.targetRef.id);
      if (wanted.has(key)) canvas.addMarker(el.id, "pf-flow");
    });
  }

  const MARKS = ["pf-completed", "pf-active", "pf-waiting", "pf-cancelled", "pf-container",
    "pf-flow", "pf-acted"];

  function markStates(registry, canvas, states) {
    Object.keys(states).forEach((id) => {
      const element = registry.get(id);
      if (!element) return;
      canvas.addMarker(id, "pf-" + states[id]);
      // An expanded sub-process holds other elements: tint its frame only.
      if (element.type === "bpmn:SubProcess" && !element.collapsed) {
        canvas.addMarker(id, "pf-container");
      }
    });
  }

  // The states, flows and acted-on element the container's data names now.
  function remark(container, registry, canvas) {
    registry.getAll().forEach((el) => MARKS.forEach((m) => canvas.removeMarker(el, m)));
    markStates(registry, canvas, parse(container.dataset.states, {}));
    markFlows(registry, canvas, parse(container.dataset.flows, []));
    const acted = container.dataset.acted && registry.get(container.dataset.acted);
    if (acted) canvas.addMarker(acted, "pf-acted");
  }

  // The opening view (issue 18 item 6): the whole width when that is readable, else a
  // readable scale centred on the step that matters (the current task, the element a
  // replayed step acted on, or the first active one); the box as tall as the diagram
  // needs at that scale, within limits. The bottom strip (ux.css) holds the bpmn.io
  // watermark, so it never covers an element.
  function layout(container, canvas, target) {
    canvas.resized();
    const inner = canvas.viewbox().inner;
    const width = container.clientWidth;
    if (!inner || !inner.width || !width) { fit(canvas); return; }
    const byWidth = width / (inner.width + 2 * MARGIN);
    const scale = Math.min(1.1, Math.max(byWidth, READABLE));
    if (!container.classList.contains("diagram-full")) {
      const max = Math.max(380, Math.round(window.innerHeight * 0.8));
      const wanted = Math.round((inner.height + 2 * MARGIN) * scale) + STRIP;
      container.style.height = Math.min(max, Math.max(MIN_HEIGHT, wanted)) + "px";
      canvas.resized();
    }
    canvas.zoom(scale);
    const box = canvas.viewbox();
    let x = inner.x - MARGIN;
    let y = inner.y - MARGIN;
    if (box.width > inner.width + 2 * MARGIN) x = inner.x - (box.width - inner.width) / 2;
    else if (target) x = target.x + target.width / 2 - box.width / 2;
    if (box.height > inner.height + 2 * MARGIN) y = inner.y - (box.height - inner.height) / 2;
    else if (target) y = target.y + target.height / 2 - box.height / 2;
    canvas.viewbox({ x: x, y: y, width: box.width, height: box.height });
  }

  function fit(canvas) {
    canvas.zoom("fit-viewport", "auto");
  }

  // The element in the middle of the box, at a readable scale (never smaller than "fit").
  function focus(canvas, element) {
    fit(canvas);
    const scale = Math.max(canvas.zoom(), READABLE);
    canvas.zoom(scale);
    const box = canvas.viewbox();
    canvas.viewbox({
      x: element.x + element.width / 2 - box.width / 2,
      y: element.y + element.height / 2 - box.height / 2,
      width: box.width,
      height: box.height,
    });
  }

  // Full screen: the diagram's card fills the window (a class, so it works everywhere,
  // also without the Fullscreen API); Escape or the button again leaves it.
  function fullScreen(container, canvas, target, button) {
    const card = container.closest("section, .card") || container;
    const on = !card.classList.contains("diagram-fullscreen");
    card.classList.toggle("diagram-fullscreen", on);
    container.classList.toggle("diagram-full", on);
    document.documentElement.classList.toggle("diagram-fullscreen-open", on);
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) container.style.height = "";
    layout(container, canvas, target);
  }

  function tools(container, canvas, current, target) {
    const bar = document.querySelector('.diagram-tools[data-for="' + container.id + '"]');
    if (!bar) return;
    bar.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-zoom]");
      if (!button) return;
      const action = button.dataset.zoom;
      if (action === "in") canvas.zoom(canvas.zoom() * STEP);
      else if (action === "out") canvas.zoom(canvas.zoom() / STEP);
      else if (action === "fit") fit(canvas);
      else if (action === "current" && current) focus(canvas, current);
      else if (action === "full") fullScreen(container, canvas, target, button);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && container.classList.contains("diagram-full")) {
        fullScreen(container, canvas, target, bar.querySelector('[data-zoom="full"]'));
      }
    });
    if (!current) {
      bar.querySelectorAll('[data-zoom="current"]').forEach((b) => b.remove());
    }
    bar.hidden = false;
  }

  // The step a page without a current task opens on: the element a replayed step acted
  // on, or the first active (else waiting) element of the states.
  function openingTarget(container, registry) {
    const acted = container.dataset.acted && registry.get(container.dataset.acted);
    if (acted) return acted;
    const states = parse(container.dataset.states, {});
    for (const wanted of ["active", "waiting"]) {
      for (const id of Object.keys(states)) {
        const el = states[id] === wanted && registry.get(id);
        if (el && el.type !== "bpmn:SubProcess" && el.type !== "bpmn:Participant") return el;
      }
    }
    return null;
  }

  async function show(container) {
    const fallback = container.querySelector(".diagram-fallback");
    if (typeof window.BpmnJS !== "function") {
      if (fallback) fallback.textContent = container.dataset.unavailable || "bpmn-js ?";
      container.dataset.loaded = "error";
      return;
    }
    const viewer = new window.BpmnJS({ container: container });
    try {
      const response = await fetch(container.dataset.xmlUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      await viewer.importXML(await response.text());
    } catch (err) {
      if (fallback) fallback.textContent = String(err);
      container.dataset.loaded = "error";
      return;
    }
    if (fallback) fallback.remove();
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    remark(container, registry, canvas);
    let drawn = container.dataset.xmlUrl;
    container.addEventListener("pf:remark", async () => {
      // Another model (the replay of a migrated instance steps across versions): draw it
      // first; a later step may change the URL again while this one loads.
      const wanted = container.dataset.xmlUrl;
      if (wanted !== drawn) {
        const response = await fetch(wanted, { credentials: "same-origin" });
        if (!response.ok || container.dataset.xmlUrl !== wanted) return;
        await viewer.importXML(await response.text());
        drawn = wanted;
        fit(canvas);
      }
      remark(container, registry, canvas);
      // The replayed step's element comes into view when it is off screen.
      const acted = container.dataset.acted && registry.get(container.dataset.acted);
      if (acted && typeof canvas.scrollToElement === "function") {
        canvas.scrollToElement(acted, { top: 60, bottom: 60, left: 80, right: 80 });
      }
    });
    const current = container.dataset.current && registry.get(container.dataset.current);
    if (current) {
      canvas.addMarker(current.id, "pf-current");
      // Open the plane that holds the current task when it sits in a collapsed sub-process.
      if (typeof canvas.findRoot === "function") {
        const root = canvas.findRoot(current);
        if (root && root !== canvas.getRootElement()) canvas.setRootElement(root);
      }
    }
    const target = current || openingTarget(container, registry);
    layout(container, canvas, target);
    tools(container, canvas, current, target);
    container.dataset.loaded = "true";
  }

  document.querySelectorAll(".diagram[data-xml-url]").forEach(show);
})();
