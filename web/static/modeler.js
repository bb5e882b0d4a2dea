// The process modeler (/modeler/<key>): the bpmn-js Modeler with a side panel for what
// the engine reads (name; a lane's role; a user task's form and due date; a timer's
// expression; a flow's condition), Validate and Deploy through the engine, download,
// upload, and a draft kept in this browser's localStorage. The modeler instance is
// window.pfModeler (the browser tests drive it through the bpmn-js API).
(function () {
  "use strict";

  const SPIFF_URI = "http://spiffworkflow.org/bpmn/schema/1.0/core";

  // The Spiff extension elements the engine and the shipped models use: declared so that
  // bpmn-js keeps them on import/export and the panel can edit them.
  const SPIFF = {
    name: "spiffworkflow",
    uri: SPIFF_URI,
    prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    associations: [],
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", type: "String", isAttr: true },
          { name: "value", type: "String", isAttr: true }] },
      { name: "InstructionsForEndUser", superClass: ["Element"],
        properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "PreScript", superClass: ["Element"],
        properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "PostScript", superClass: ["Element"],
        properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "ServiceTaskOperator", superClass: ["Element"],
        properties: [{ name: "id", type: "String", isAttr: true },
          { name: "resultVariable", type: "String", isAttr: true },
          { name: "parameters", type: "Parameters" }] },
      { name: "Parameters", superClass: ["Element"],
        properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
      { name: "Parameter", superClass: ["Element"],
        properties: [{ name: "id", type: "String", isAttr: true },
          { name: "type", type: "String", isAttr: true },
          { name: "value", type: "String", isAttr: true }] },
    ],
  };

  const BLANK = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" ' +
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
    'xmlns:spiffworkflow="' + SPIFF_URI + '" id="Definitions_new" ' +
    'targetNamespace="http://bpmn.io/schema/bpmn">\n' +
    '  <bpmn:process id="Process_new" name="" isExecutable="true">\n' +
    '    <bpmn:startEvent id="StartEvent_1"/>\n' +
    '  </bpmn:process>\n' +
    '  <bpmndi:BPMNDiagram id="BPMNDiagram_1">\n' +
    '    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_new">\n' +
    '      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">\n' +
    '        <dc:Bounds x="180" y="160" width="36" height="36"/>\n' +
    '      </bpmndi:BPMNShape>\n' +
    '    </bpmndi:BPMNPlane>\n' +
    '  </bpmndi:BPMNDiagram>\n' +
    '</bpmn:definitions>\n';

  const TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];
  const MARKS = ["pf-problem-error", "pf-problem-warning"];

  const root = document.getElementById("pf-modeler");
  if (!root || typeof window.BpmnJS !== "function") return;
  const T = JSON.parse(root.dataset.texts || "{}");
  const key = root.dataset.key || "";
  const status = document.getElementById("pf-status");
  const props = document.getElementById("pf-props");
  const problemsBox = document.getElementById("pf-problems");

  const modeler = new window.BpmnJS({
    container: document.getElementById("pf-canvas"),
    moddleExtensions: { spiffworkflow: SPIFF },
  });
  window.pfModeler = modeler;
  let roles = [];
  let marked = [];

  function say(text, kind) {
    status.textContent = text || "";
    status.className = "modeler-status" + (kind ? " " + kind : "");
  }

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((k) => {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach((c) => node.appendChild(c));
    return node;
  }

  // -- the Spiff properties (<spiffworkflow:property name value>) ---------------------

  function spiffProperties(bo) {
    const ext = bo.extensionElements;
    if (!ext) return null;
    return (ext.get("values") || []).find((v) => v.$type === "spiffworkflow:Properties") || null;
  }

  function getProperty(bo, name) {
    const list = spiffProperties(bo);
    const found = list && list.get("properties").find((p) => p.name === name);
    return found ? found.value || "" : "";
  }

  function setProperty(element, name, value) {
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const bo = element.businessObject;
    let ext = bo.extensionElements;
    if (!ext) {
      if (!value) return;
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    let list = spiffProperties(bo);
    if (!list) {
      if (!value) return;
      list = moddle.create("spiffworkflow:Properties", { properties: [] });
      list.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: ext.get("values").concat([list]) });
    }
    const existing = list.get("properties").find((p) => p.name === name);
    if (!value) {
      if (existing) {
        modeling.updateModdleProperties(element, list, {
          properties: list.get("properties").filter((p) => p !== existing),
        });
      }
    } else if (existing) {
      modeling.updateModdleProperties(element, existing, { value: value });
    } else {
      const added = moddle.create("spiffworkflow:Property", { name: name, value: value });
      added.$parent = list;
      modeling.updateModdleProperties(element, list, {
        properties: list.get("properties").concat([added]),
      });
    }
  }

  function expression(body) {
    return modeler.get("moddle").create("bpmn:FormalExpression", { body: body });
  }

  // -- the side panel ------------------------------------------------------------------

  function field(label, input) {
    return el("label", { class: "modeler-field" }, [el("span", { text: label }), input]);
  }

  function textInput(id, value, onChange) {
    const input = el("input", { type: "text", id: id });
    input.value = value || "";
    input.addEventListener("change", () => onChange(input.value.trim()));
    return input;
  }

  function timerOf(bo) {
    return (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:TimerEventDefinition");
  }

  function render(element) {
    props.textContent = "";
    if (!element || element.type === "label") {
      props.appendChild(el("p", { class: "muted", text: T.nothing }));
      return;
    }
    const bo = element.businessObject;
    const modeling = modeler.get("modeling");
    props.appendChild(el("p", { class: "muted small" }, [
      document.createTextNode(T.type + ": " + element.type.replace("bpmn:", "") + " · " +
        T.id + ": " + bo.id),
    ]));
    props.appendChild(field(T.name, textInput("pf-prop-name", bo.name, (v) =>
      modeling.updateProperties(element, { name: v || undefined }))));

    if (element.type === "bpmn:Lane") {
      const select = el("select", { id: "pf-prop-role" });
      const current = getProperty(bo, "role");
      select.appendChild(el("option", { value: "", text: T.no_role }));
      const keys = roles.map((r) => r.key);
      if (current && keys.indexOf(current) < 0) keys.push(current); // keep an unknown one
      keys.forEach((k) => {
        const role = roles.find((r) => r.key === k);
        const label = role ? k + " — " + (root.dataset.lang === "en" ? role.name_en : role.name) : k;
        const option = el("option", { value: k, text: label });
        if (k === current) option.selected = true;
        select.appendChild(option);
      });
      select.addEventListener("change", () => setProperty(element, "role", select.value));
      props.appendChild(field(T.role, select));
    }
    if (element.type === "bpmn:UserTask" || element.type === "bpmn:StartEvent") {
      props.appendChild(field(T.form, textInput("pf-prop-form",
        getProperty(bo, "formJsonSchemaFilename"),
        (v) => setProperty(element, "formJsonSchemaFilename", v))));
    }
    if (element.type === "bpmn:UserTask") {
      props.appendChild(field(T.due, textInput("pf-prop-due", getProperty(bo, "dueIn"),
        (v) => setProperty(element, "dueIn", v))));
    }
    const timer = timerOf(bo);
    if (timer) {
      let kind = TIMER_KINDS.find((k) => timer[k]) || "timeDuration";
      const select = el("select", { id: "pf-prop-timer-kind" });
      TIMER_KINDS.forEach((k) => {
        const option = el("option", { value: k, text: k });
        if (k === kind) option.selected = true;
        select.appendChild(option);
      });
      const input = textInput("pf-prop-timer", timer[kind] ? timer[kind].body : "", save);
      function save() {
        const changes = {};
        TIMER_KINDS.forEach((k) => { changes[k] = undefined; });
        const value = input.value.trim();
        if (value) changes[select.value] = expression(value);
        modeling.updateModdleProperties(element, timer, changes);
        kind = select.value;
      }
      select.addEventListener("change", save);
      props.appendChild(field(T.timer_kind, select));
      props.appendChild(field(T.timer_expr, input));
    }
    if (element.type === "bpmn:SequenceFlow") {
      const cond = bo.conditionExpression;
      const area = el("textarea", { id: "pf-prop-condition", rows: "3" });
      area.value = cond ? cond.body || "" : "";
      area.addEventListener("change", () => {
        const value = area.value.trim();
        modeling.updateProperties(element, {
          conditionExpression: value ? expression(value) : undefined,
        });
      });
      props.appendChild(field(T.condition, area));
    }
  }

  function selected() {
    const list = modeler.get("selection").get();
    return list.length === 1 ? list[0] : null;
  }

  modeler.on("selection.changed", () => render(selected()));
  modeler.on("elements.changed", (event) => {
    const current = selected();
    const active = document.activeElement;
    // Re-render after an outside change (undo, a label typed on the canvas), never while
    // the user is typing in the panel.
    if (current && event.elements.indexOf(current) >= 0 && !props.contains(active)) {
      render(current);
    }
  });

  // -- problems on the diagram -----------------------------------------------------------

  function clearMarks() {
    const canvas = modeler.get("canvas");
    marked.forEach((id) => MARKS.forEach((m) => canvas.removeMarker(id, m)));
    marked = [];
  }

  function showProblems(result) {
    clearMarks();
    problemsBox.textContent = "";
    const registry = modeler.get("elementRegistry");
    const canvas = modeler.get("canvas");
    [["error", result.errors || [], T.errors], ["warning", result.warnings || [], T.warnings]]
      .forEach(([severity, list, title]) => {
        if (!list.length) return;
        const ul = el("ul", { class: "modeler-problem-list " + severity });
        list.forEach((p) => {
          const target = p.element_id && registry.get(p.element_id);
          if (target) {
            canvas.addMarker(target, "pf-problem-" + severity);
            marked.push(target.id);
          }
          const where = (p.element_id ? p.element_id : "") + (p.line ? " (" + T.line + " " + p.line + ")" : "");
          const item = el("li", { "data-element": p.element_id || "", "data-rule": p.rule || "" });
          if (target) {
            const button = el("button", { type: "button", class: "link", text: where || p.element_id });
            button.addEventListener("click", () => {
              modeler.get("selection").select(target);
              canvas.scrollToElement(target);
            });
            item.appendChild(button);
            item.appendChild(document.createTextNode(": "));
          } else if (where) {
            item.appendChild(document.createTextNode(where + ": "));
          }
          item.appendChild(document.createTextNode(p.message));
          ul.appendChild(item);
        });
        problemsBox.appendChild(el("h2", { class: severity, text: title + " (" + list.length + ")" }));
        problemsBox.appendChild(ul);
      });
  }

  // -- talking to the server --------------------------------------------------------------

  async function currentXml() {
    return (await modeler.saveXML({ format: true })).xml;
  }

  async function post(url, body) {
    const res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await res.json(); } catch (e) { data = {}; }
    return { ok: res.ok, status: res.status, data: data };
  }

  async function validate() {
    say(T.validating);
    try {
      const res = await post(root.dataset.validateUrl, { xml: await currentXml() });
      if (!res.ok && !res.data.errors) { say(res.data.error || T.failed, "bad"); return; }
      showProblems(res.data);
      const ok = res.data.executable;
      say(ok ? T.valid : T.rejected, ok ? "good" : "bad");
      root.dataset.validated = ok ? "ok" : "errors";
    } catch (e) {
      say(T.failed, "bad");
    }
  }

  async function deploy() {
    say(T.deploying);
    try {
      const res = await post(root.dataset.deployUrl, {
        xml: await currentXml(),
        comment: document.getElementById("pf-comment").value,
      });
      if (res.ok) {
        showProblems({});
        const text = res.data.created ? T.deployed : T.unchanged;
        say(fill(text, res.data), "good");
        root.dataset.deployedVersion = String(res.data.version);
      } else if (res.data.errors) {
        showProblems(res.data);
        say(T.rejected, "bad");
      } else {
        say(res.data.error || T.failed, "bad");
      }
    } catch (e) {
      say(T.failed, "bad");
    }
  }

  async function load(xml) {
    clearMarks();
    problemsBox.textContent = "";
    try {
      await modeler.importXML(xml);
      modeler.get("canvas").zoom("fit-viewport");
      render(null);
      root.dataset.loaded = "true";
      return true;
    } catch (e) {
      say(T.import_failed + " " + (e.message || ""), "bad");
      return false;
    }
  }

  function download() {
    currentXml().then((xml) => {
      const blob = new Blob([xml], { type: "application/xml" });
      const a = el("a", { href: URL.createObjectURL(blob), download: (key || "process") + ".bpmn" });
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    });
  }

  const draftKey = "pf-modeler-draft:" + (key || "new");

  document.getElementById("pf-validate").addEventListener("click", validate);
  document.getElementById("pf-deploy").addEventListener("click", deploy);
  document.getElementById("pf-download").addEventListener("click", download);
  document.getElementById("pf-upload").addEventListener("change", (event) => {
    const file = event.target.files && event.target.files[0];
    if (file) file.text().then(load);
    event.target.value = "";
  });
  document.getElementById("pf-draft-save").addEventListener("click", () => {
    currentXml().then((xml) => {
      window.localStorage.setItem(draftKey, xml);
      say(T.draft_saved, "good");
    });
  });
  document.getElementById("pf-draft-load").addEventListener("click", () => {
    const xml = window.localStorage.getItem(draftKey);
    if (!xml) { say(T.draft_none); return; }
    load(xml).then((ok) => { if (ok) say(T.draft_loaded, "good"); });
  });

  fetch(root.dataset.rolesUrl, { credentials: "same-origin" })
    .then((res) => (res.ok ? res.json() : []))
    .then((found) => { roles = found; render(selected()); })
    .catch(() => { roles = []; });

  if (root.dataset.xmlUrl) {
    fetch(root.dataset.xmlUrl, { credentials: "same-origin" })
      .then((res) => res.text())
      .then(load)
      .catch(() => say(T.import_failed, "bad"));
  } else {
    load(BLANK);
  }
})();
