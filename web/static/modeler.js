// The process modeler (/modeler/<key>): the bpmn-js Modeler with bpmn-js-properties-panel
// (the bundle web/static/modeler_panel/, window.PfModelerKit: the stock BPMN groups and
// ours — Vai trò, Biểu mẫu, Thời hạn, Hẹn giờ, Thao tác dịch vụ… in people's words), the
// form editor (modeler_forms.js, window.pfFormEditor: fields, no JSON), Validate and Deploy
// through the engine (and bpmnlint in the browser; the edited forms go along), download,
// upload, and a draft (the XML and the edited forms) kept in this browser's localStorage.
// The modeler instance is window.pfModeler (the browser tests drive it through the bpmn-js
// API). Reading and writing files without loss is modeler_io.js (window.pfModelerIO).
(function () {
  "use strict";

  const IO = window.pfModelerIO;
  const Kit = window.PfModelerKit;
  const MARKS = ["pf-problem-error", "pf-problem-warning"];

  const root = document.getElementById("pf-modeler");
  if (!root || !Kit) return;
  const T = JSON.parse(root.dataset.texts || "{}");
  // The service operations (engine/services.py): [{id, label, parameters: [{id, required}]}]
  const OPERATIONS = JSON.parse(root.dataset.operations || "[]");
  const key = root.dataset.key || "";
  const status = document.getElementById("pf-status");
  const props = document.getElementById("pf-props");
  const problemsBox = document.getElementById("pf-problems");
  const editor = window.pfFormEditor;

  let roles = [];
  let processes = []; // the deployed processes a call activity may call: [{key, name}]
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

  // -- forms: the JSON Schemas a user task or start event names (formJsonSchemaFilename) --
  //
  // knownForms: the newest deployed version's (forms.json); editedForms: those edited or
  // created in this page, the only ones Validate and Deploy send (the server puts them over
  // the newest version's) and the draft keeps. formError: the file whose JSON (the form
  // editor's advanced view) is not an object yet; sending is blocked while it is.

  const FORM_NAME = /^[A-Za-z0-9_.-]+\.json$/;
  let knownForms = {};
  let editedForms = {};
  let formError = null;
  let refresh = () => {};

  function has(map, name) {
    return Object.prototype.hasOwnProperty.call(map, name);
  }

  function formSchema(name) {
    return has(editedForms, name) ? editedForms[name] : has(knownForms, name) ? knownForms[name]
      : undefined;
  }

  function formNames(current) {
    const names = new Set(Object.keys(knownForms).concat(Object.keys(editedForms)));
    if (current) names.add(current);
    return Array.from(names).sort();
  }

  function isObject(value) {
    return Boolean(value) && typeof value === "object" && !Array.isArray(value);
  }

  function sameJson(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  // An edit equal to the deployed form is no edit.
  function keepForm(name, schema) {
    if (has(knownForms, name) && sameJson(knownForms[name], schema)) {
      delete editedForms[name];
    } else {
      editedForms[name] = schema;
    }
  }

  // Only {filename: object} entries (a draft's forms, read back from localStorage).
  function formsOnly(value) {
    const found = {};
    if (isObject(value)) {
      Object.keys(value).forEach((n) => { if (isObject(value[n])) found[n] = value[n]; });
    }
    return found;
  }

  // The newest version's forms again (after a deploy): edits it now holds are no edits.
  function fetchForms() {
    return fetch(root.dataset.formsUrl, { credentials: "same-origin" })
      .then((res) => (res.ok ? res.json() : {}))
      .then((found) => {
        knownForms = formsOnly(found);
        Object.keys(editedForms).forEach((n) => keepForm(n, editedForms[n]));
        refresh();
      })
      .catch(() => { knownForms = {}; });
  }

  function formBlocked() {
    if (!formError) return false;
    say(fill(T.form_blocked, { name: formError }), "bad");
    return true;
  }

  // The fields holding a date or a date-time in the process's forms (a due date "from the
  // case data"), by name.
  function dateFields() {
    const found = new Set();
    formNames("").forEach((n) => {
      const schema = formSchema(n) || {};
      Object.keys(schema.properties || {}).forEach((f) => {
        const spec = schema.properties[f] || {};
        if (spec.format === "date" || spec.format === "date-time") found.add(f);
      });
    });
    return Array.from(found).sort();
  }

  function openEditor(name) {
    formError = null; // JSON not valid yet was left in the editor's text, not in the form
    editor.open({
      name: name,
      schema: formSchema(name) || { type: "object", properties: {} },
      texts: T,
      previewUrl: root.dataset.previewUrl,
      csrf: root.dataset.csrf,
      onChange: (schema) => { keepForm(name, schema); },
      onInvalid: (error) => { formError = error ? name : null; },
      onClose: () => refresh(),
    });
  }

  // A new form file for the element: a name from the process and the element, made unique.
  function newForm(element, choose) {
    const base = ((key || "process") + "_" + element.businessObject.id).toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, "_");
    let name = base + ".json";
    for (let n = 2; formSchema(name) !== undefined; n += 1) name = base + "_" + n + ".json";
    if (!FORM_NAME.test(name)) name = "form_" + Date.now() + ".json";
    editedForms[name] = { type: "object", title: element.businessObject.name || "",
      properties: {} };
    choose(name);
    openEditor(name);
  }

  const modeler = new Kit.Modeler({
    container: document.getElementById("pf-canvas"),
    moddleExtensions: { spiffworkflow: IO.SPIFF },
    propertiesPanel: {
      parent: props,
      // ours and the names open; the stock groups folded (they stay one click away)
      layout: { groups: ["general", "pf-role", "pf-form", "pf-due", "pf-timer", "pf-condition",
        "pf-called", "pf-script", "pf-service", "message"].reduce((open, id) => {
        open[id] = { open: true };
        return open;
      }, {}) },
    },
    additionalModules: Kit.modules,
    pf: {
      texts: T,
      lang: root.dataset.lang,
      operations: OPERATIONS,
      roles: () => roles,
      processes: () => processes,
      dateFields: dateFields,
      formOptions: (current) => formNames(current).map((n) => {
        const schema = formSchema(n);
        return [n, schema && schema.title ? schema.title + " (" + n + ")" : n];
      }),
      formSummary: (name) => {
        const schema = formSchema(name);
        return schema ? fill(T.form_fields_count,
          { n: Object.keys(schema.properties || {}).length }) : "";
      },
      editForm: openEditor,
      newForm: newForm,
    },
  });
  window.pfModeler = modeler;
  IO.keepOnRoundTrip(modeler);
  refresh = () => modeler.get("pfProperties").refresh();
  window.pfModelerForms = { get: formSchema, edited: () => editedForms };

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
          // pf-lint: where it comes from, a bpmnlint rule or one of the engine's
          item.setAttribute("data-source", p.source || "engine");
          if (p.rule) {
            item.appendChild(el("span", { class: "muted small pf-problem-source",
              text: " [" + (p.source === "bpmnlint" ? p.rule : T.source_engine + ": " + p.rule) + "]" }));
          }
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

  // -- pf-lint: bpmnlint in the browser (window.pfLint from /vendor/bpmnlint.js) -------

  // The bpmnlint findings on the diagram as it is now, as {errors, warnings}, each tagged
  // source "bpmnlint". A linter missing or failing is one warning, never a silent pass
  // (the server checks the engine's rules either way).
  async function lint() {
    const found = { errors: [], warnings: [] };
    try {
      if (typeof window.pfLint !== "function") throw new Error("window.pfLint");
      (await window.pfLint(modeler.getDefinitions())).forEach((p) => {
        p.source = "bpmnlint";
        (p.severity === "error" ? found.errors : found.warnings).push(p);
      });
    } catch (e) {
      found.warnings.push({ element_id: "", severity: "warning", rule: "bpmnlint",
        source: "bpmnlint", message: T.lint_unavailable + " (" + (e.message || e) + ")" });
    }
    return found;
  }

  function merged(engineResult, linted) {
    return {
      errors: (engineResult.errors || []).concat(linted.errors),
      warnings: (engineResult.warnings || []).concat(linted.warnings),
    };
  }

  async function validate() {
    if (formBlocked()) return;
    say(T.validating);
    try {
      const linted = await lint();
      const res = await post(root.dataset.validateUrl,
        { xml: await currentXml(), forms: editedForms });
      if (!res.ok && !res.data.errors) {
        showProblems(linted);
        say(res.data.error || T.failed, "bad");
        return;
      }
      showProblems(merged(res.data, linted));
      const ok = res.data.executable && !linted.errors.length;
      say(ok ? T.valid : res.data.executable ? T.lint_errors : T.rejected, ok ? "good" : "bad");
      root.dataset.validated = ok ? "ok" : "errors";
    } catch (e) {
      say(T.failed, "bad");
    }
  }

  async function deploy() {
    if (formBlocked()) {
      root.dataset.deployBlocked = "form";
      return;
    }
    say(T.deploying);
    try {
      const xml = await currentXml();
      const linted = await lint();
      if (linted.errors.length) {
        // bpmnlint errors block deploy here: the deploy request is not sent. The engine's
        // findings are fetched (validate) to list everything that is wrong at once.
        let checked = {};
        try {
          const res = await post(root.dataset.validateUrl, { xml: xml, forms: editedForms });
          if (res.data.errors) checked = res.data;
        } catch (e) { checked = {}; }
        showProblems(merged(checked, linted));
        say(T.lint_blocked, "bad");
        root.dataset.deployBlocked = "bpmnlint";
        return;
      }
      delete root.dataset.deployBlocked;
      const res = await post(root.dataset.deployUrl, {
        xml: xml,
        comment: document.getElementById("pf-comment").value,
        forms: editedForms,
      });
      if (res.ok) {
        showProblems(linted);
        const text = res.data.created ? T.deployed : T.unchanged;
        say(fill(text, res.data), "good");
        showVersion(res.data.version);
        if (key) await fetchForms();
        root.dataset.deployedVersion = String(res.data.version);
      } else if (res.data.errors) {
        showProblems(merged(res.data, linted));
        say(T.rejected, "bad");
      } else {
        say(res.data.error || T.failed, "bad");
      }
    } catch (e) {
      say(T.failed, "bad");
    }
  }

  // The heading names the version the page now edits (the one just deployed).
  function showVersion(version) {
    const shown = document.getElementById("pf-version");
    if (shown && version) shown.textContent = "(" + T.from_version + " " + version + ")";
  }

  // The whole diagram in view, right of the palette (which must not cover lane labels).
  function fitRightOfPalette() {
    const canvas = modeler.get("canvas");
    canvas.zoom("fit-viewport");
    const palette = root.querySelector(".djs-palette");
    const box = canvas.viewbox();
    const inner = box.inner;
    if (!palette || !inner.width || !inner.height) return;
    const left = palette.getBoundingClientRect().right -
      root.querySelector("#pf-canvas").getBoundingClientRect().left + 16;
    // the whole diagram if it fits at a readable zoom; else its start (the lane labels)
    // at that zoom, the rest a scroll away
    const scale = Math.min(1, Math.max(0.6, Math.min((box.outer.width - left - 16) / inner.width,
      (box.outer.height - 32) / inner.height)));
    if (!(scale > 0)) return;
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - 16 / scale,
      width: box.outer.width / scale, height: box.outer.height / scale });
  }

  async function load(xml) {
    clearMarks();
    problemsBox.textContent = "";
    try {
      await modeler.importXML(xml);
      fitRightOfPalette();
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
    if (file) IO.fileText(file).then(load);
    event.target.value = "";
  });
  document.getElementById("pf-draft-save").addEventListener("click", () => {
    currentXml().then((xml) => {
      window.localStorage.setItem(draftKey, xml);
      window.localStorage.setItem(draftKey + ":forms", JSON.stringify(editedForms));
      say(T.draft_saved, "good");
    });
  });
  document.getElementById("pf-draft-load").addEventListener("click", () => {
    const xml = window.localStorage.getItem(draftKey);
    if (!xml) { say(T.draft_none); return; }
    let forms = {};
    try {
      forms = formsOnly(JSON.parse(window.localStorage.getItem(draftKey + ":forms") || "{}"));
    } catch (e) { forms = {}; }
    load(xml).then((ok) => {
      if (!ok) return;
      editedForms = forms;
      refresh();
      say(T.draft_loaded, "good");
    });
  });

  fetch(root.dataset.processesUrl, { credentials: "same-origin" })
    .then((res) => (res.ok ? res.json() : []))
    .then((found) => { processes = found; refresh(); })
    .catch(() => { processes = []; });

  fetchForms();

  fetch(root.dataset.rolesUrl, { credentials: "same-origin" })
    .then((res) => (res.ok ? res.json() : []))
    .then((found) => { roles = found; refresh(); })
    .catch(() => { roles = []; });

  if (root.dataset.xmlUrl) {
    fetch(root.dataset.xmlUrl, { credentials: "same-origin" })
      .then((res) => res.text())
      .then(load)
      .catch(() => say(T.import_failed, "bad"));
  } else {
    load(IO.BLANK);
  }
})();
