// bpmn-js glue: load the BPMN XML from data-xml-url into a NavigatedViewer and mark
// element states (data-states: {element_id: completed|active|waiting|cancelled}), the
// current task (data-current) and the flows taken (data-flows: [[source, target], ...]).
(function () {
  "use strict";

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

  async function show(container) {
    const fallback = container.querySelector(".diagram-fallback");
    if (typeof window.BpmnJS !== "function") {
      if (fallback) fallback.textContent = container.dataset.unavailable || "bpmn-js ?";
      return;
    }
    const viewer = new window.BpmnJS({ container: container });
    try {
      const response = await fetch(container.dataset.xmlUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      await viewer.importXML(await response.text());
    } catch (err) {
      if (fallback) fallback.textContent = String(err);
      return;
    }
    if (fallback) fallback.remove();
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    const states = parse(container.dataset.states, {});
    Object.keys(states).forEach((id) => {
      const element = registry.get(id);
      if (!element) return;
      canvas.addMarker(id, "pf-" + states[id]);
      // An expanded sub-process holds other elements: tint its frame only.
      if (element.type === "bpmn:SubProcess" && !element.collapsed) {
        canvas.addMarker(id, "pf-container");
      }
    });
    markFlows(registry, canvas, parse(container.dataset.flows, []));
    const current = container.dataset.current;
    if (current && registry.get(current)) {
      canvas.addMarker(current, "pf-current");
    }
    canvas.zoom("fit-viewport", "auto");
    // Open the plane that holds the current task when it sits in a collapsed sub-process.
    const target = current && registry.get(current);
    if (target && target.parent && canvas.getRootElement() !== target.parent &&
        typeof canvas.findRoot === "function") {
      const root = canvas.findRoot(target);
      if (root && root !== canvas.getRootElement()) {
        canvas.setRootElement(root);
        canvas.zoom("fit-viewport", "auto");
      }
    }
  }

  document.querySelectorAll(".diagram[data-xml-url]").forEach(show);
})();
