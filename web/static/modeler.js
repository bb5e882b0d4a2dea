// The process modeler (/modeler/<key>): the bpmn-js Modeler with a side panel for what
// the engine reads (name; a lane's role; a user task's or start event's form, picked or
// its JSON Schema edited or created; a user task's due date; a timer's expression; a
// flow's condition; a call activity's called process; a message event's message; a script
// task's script; a service task's operator and parameters), Validate and Deploy through
// the engine (and bpmnlint in the browser; the edited forms go along), download, upload,
// and a draft (the XML and the edited forms) kept in this browser's localStorage. The modeler instance is window.pfModeler
// (the browser tests drive it through the bpmn-js API). Reading and writing files
// without loss is modeler_io.js (window.pfModelerIO).
(function () {
  "use strict";

  const IO = window.pfModelerIO;
  const TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];
  const MARKS = ["pf-problem-error", "pf-problem-warning"];

  const root = document.getElementById("pf-modeler");
  if (!root || typeof window.BpmnJS !== "function") return;
  const T = JSON.parse(root.dataset.texts || "{}");
  // The service operations (engine/services.py): [{id, parameters: [{id, required}]}]
  const OPERATIONS = JSON.parse(root.dataset.operations || "[]");
  const key = root.dataset.key || "";
  const status = document.getElementById("pf-status");
  const props = document.getElementById("pf-props");
  const problemsBox = document.getElementById("pf-problems");

  const modeler = new window.BpmnJS({
    container: document.getElementById("pf-canvas"),
    moddleExtensions: { spiffworkflow: IO.SPIFF },
  });
  window.pfModeler = modeler;
  IO.keepOnRoundTrip(modeler);
  let roles = [];
  let processes = []; // the deployed processes a call activity may call: [{key, name}]
  let batchReady = false;
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

  // Several modeling calls as one command: one undo (Ctrl+Z) takes them all back.
  function batch(changes) {
    const stack = modeler.get("commandStack");
    if (!batchReady) {
      stack.registerHandler("pf.batch", function () {
        this.preExecute = (context) => context.changes();
        this.execute = () => [];
        this.revert = () => [];
      });
      batchReady = true;
    }
    stack.execute("pf.batch", { changes: changes });
  }

  function extensionOf(bo, type) {
    const ext = bo.extensionElements;
    return ext ? (ext.get("values") || []).find((v) => v.$type === type) || null : null;
  }

  // The element's extension element of `type`, created if missing (call inside batch).
  function ensureExtension(element, type) {
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const bo = element.businessObject;
    let ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    let found = extensionOf(bo, type);
    if (!found) {
      found = moddle.create(type, {});
      found.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: ext.get("values").concat([found]) });
    }
    return found;
  }

  // -- messages: <bpmn:message name> in the definitions, referred to by messageRef ------

  // What carries the messageRef: a receive/send task itself, or an event's definition.
  function messageHolder(bo) {
    if (bo.$instanceOf("bpmn:ReceiveTask") || bo.$instanceOf("bpmn:SendTask")) return bo;
    return (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:MessageEventDefinition") ||
      null;
  }

  function messages() {
    const definitions = modeler.getDefinitions();
    return (definitions.get("rootElements") || []).filter((e) => e.$type === "bpmn:Message");
  }

  // The message named `name` (created in the definitions if none is) becomes the holder's.
  function setMessage(element, holder, name) {
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const definitions = modeler.getDefinitions();
    batch(() => {
      let message = name ? messages().find((m) => (m.name || m.id) === name) : null;
      if (name && !message) {
        message = moddle.create("bpmn:Message", { name: name });
        message.id = moddle.ids.nextPrefixed("Message_", message);
        message.$parent = definitions;
        modeling.updateModdleProperties(element, definitions, {
          rootElements: definitions.get("rootElements").concat([message]),
        });
      }
      modeling.updateModdleProperties(element, holder, { messageRef: message || undefined });
    });
  }

  // -- a service task's <spiffworkflow:serviceTaskOperator> and its parameters ----------

  const OPERATOR = "spiffworkflow:ServiceTaskOperator";

  function setOperator(element, changes) {
    batch(() => {
      modeler.get("modeling").updateModdleProperties(element,
        ensureExtension(element, OPERATOR), changes);
    });
  }

  // rows: [{param (the existing spiffworkflow:Parameter or null), id, type, value}]
  function setParameters(element, rows) {
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    batch(() => {
      const operator = ensureExtension(element, OPERATOR);
      let holder = operator.get("parameters");
      if (!holder) {
        holder = moddle.create("spiffworkflow:Parameters", { parameters: [] });
        holder.$parent = operator;
        modeling.updateModdleProperties(element, operator, { parameters: holder });
      }
      const list = rows.map((row) => {
        const values = { id: row.id, type: row.type || undefined, value: row.value };
        if (!row.param) {
          const added = moddle.create("spiffworkflow:Parameter", values);
          added.$parent = holder;
          return added;
        }
        if (["id", "type", "value"].some((k) => (row.param.get(k) || undefined) !==
            (values[k] || undefined))) {
          modeling.updateModdleProperties(element, row.param, values);
        }
        return row.param;
      });
      const before = holder.get("parameters");
      if (list.length !== before.length || list.some((p, i) => p !== before[i])) {
        modeling.updateModdleProperties(element, holder, { parameters: list });
      }
    });
  }

  // -- forms: the JSON Schemas a user task or start event names (formJsonSchemaFilename) --
  //
  // knownForms: the newest deployed version's (forms.json); editedForms: those edited or
  // created in this page, the only ones Validate and Deploy send (the server puts them over
  // the newest version's) and the draft keeps. formError: the file whose textarea holds text
  // that is not a JSON object yet; sending is blocked while it does.

  const FORM = "formJsonSchemaFilename";
  const FORM_NAME = /^[A-Za-z0-9_.-]+\.json$/;
  const NEW_FORM = '{"type": "object", "properties": {}}';
  let knownForms = {};
  let editedForms = {};
  let formError = null;

  function formSchema(name) {
    return Object.prototype.hasOwnProperty.call(editedForms, name) ? editedForms[name]
      : Object.prototype.hasOwnProperty.call(knownForms, name) ? knownForms[name] : undefined;
  }

  function formNames(current) {
    const names = new Set(Object.keys(knownForms).concat(Object.keys(editedForms)));
    if (current) names.add(current);
    return Array.from(names).sort();
  }

  function isObject(value) {
    return Boolean(value) && typeof value === "object" && !Array.isArray(value);
  }

  // A form's text as {schema} when it is a JSON object, else {error}.
  function parseForm(text) {
    let value;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { error: T.form_invalid + ": " + e.message };
    }
    return isObject(value) ? { schema: value } : { error: T.form_not_object };
  }

  function sameJson(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  // An edit equal to the deployed form is no edit.
  function keepForm(name, schema) {
    if (Object.prototype.hasOwnProperty.call(knownForms, name) && sameJson(knownForms[name], schema)) {
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
        if (!props.contains(document.activeElement)) render(selected());
      })
      .catch(() => { knownForms = {}; });
  }

  function formBlocked() {
    if (!formError) return false;
    say(fill(T.form_blocked, { name: formError }), "bad");
    return true;
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
    formError = null; // a form's text not valid yet is dropped with its textarea
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
      renderForm(element);
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
    if (element.type === "bpmn:CallActivity") renderCalled(element);
    const holder = messageHolder(bo);
    if (holder) renderMessage(element, holder);
    if (element.type === "bpmn:ScriptTask") renderScript(element);
    if (element.type === "bpmn:ServiceTask") renderOperator(element);
  }

  // A user task's or start event's form: a known file picked or its name typed, its JSON
  // Schema edited (kept in editedForms once it parses as an object), or a new file.
  function renderForm(element) {
    const bo = element.businessObject;
    const select = el("select", { id: "pf-prop-form-select" });
    const input = textInput("pf-prop-form", "", (v) => choose(v));
    const area = el("textarea", { id: "pf-prop-form-schema", rows: "10", spellcheck: "false",
      class: "modeler-code" });
    const schemaField = field(T.form_schema, area);
    const error = el("p", { class: "field-error", id: "pf-prop-form-error", role: "alert" });
    const hint = el("p", { class: "muted small", id: "pf-prop-form-hint" });
    const suggested = ((key || "process") + "_" + bo.id).toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, "_") + ".json";
    const newName = el("input", { type: "text", id: "pf-prop-form-new", placeholder: suggested });
    const add = el("button", { type: "button", class: "secondary", id: "pf-prop-form-add",
      text: T.form_new });
    const nameError = el("p", { class: "field-error", id: "pf-prop-form-name-error",
      role: "alert" });

    function showError(node, text) {
      node.textContent = text || "";
      node.hidden = !text;
    }
    function sync() {
      const name = getProperty(bo, FORM);
      select.textContent = "";
      select.appendChild(el("option", { value: "", text: T.form_none }));
      formNames(name).forEach((n) => select.appendChild(el("option", { value: n, text: n })));
      select.value = name;
      input.value = name;
      const schema = name ? formSchema(name) : undefined;
      area.value = schema ? JSON.stringify(schema, null, 2) : "";
      area.disabled = !name;
      hint.textContent = name && !schema ? T.form_unknown : "";
      formError = null;
      schemaField.classList.remove("has-error");
      showError(error, "");
    }
    function choose(name) {
      setProperty(element, FORM, name);
      sync();
    }
    select.addEventListener("change", () => choose(select.value));
    area.addEventListener("input", () => {
      const name = getProperty(bo, FORM);
      const parsed = parseForm(area.value);
      schemaField.classList.toggle("has-error", Boolean(parsed.error));
      showError(error, parsed.error);
      formError = parsed.error ? name : null;
      if (parsed.schema) {
        keepForm(name, parsed.schema);
        hint.textContent = "";
      }
    });
    add.addEventListener("click", () => {
      let name = newName.value.trim() || suggested;
      if (!/\.json$/i.test(name)) name += ".json";
      if (!FORM_NAME.test(name)) {
        showError(nameError, T.form_bad_name);
        return;
      }
      showError(nameError, "");
      if (formSchema(name) === undefined) editedForms[name] = JSON.parse(NEW_FORM);
      newName.value = "";
      choose(name);
    });
    sync();
    showError(nameError, "");
    props.appendChild(field(T.form_pick, select));
    props.appendChild(field(T.form, input));
    props.appendChild(schemaField);
    props.appendChild(error);
    props.appendChild(hint);
    props.appendChild(field(T.form_new_name, newName));
    props.appendChild(add);
    props.appendChild(nameError);
  }

  // A call activity's calledElement: a deployed process, or any key typed in.
  function renderCalled(element) {
    const bo = element.businessObject;
    const select = el("select", { id: "pf-prop-called-select" });
    select.appendChild(el("option", { value: "", text: T.called_pick }));
    processes.forEach((p) => {
      select.appendChild(el("option", { value: p.key, text: p.key + " — " + p.name }));
    });
    const input = textInput("pf-prop-called", bo.calledElement, save);
    select.value = processes.some((p) => p.key === bo.calledElement) ? bo.calledElement : "";
    function save(value) {
      select.value = processes.some((p) => p.key === value) ? value : "";
      modeler.get("modeling").updateProperties(element, { calledElement: value || undefined });
    }
    select.addEventListener("change", () => {
      if (!select.value) return;
      input.value = select.value;
      save(select.value);
    });
    props.appendChild(field(T.called, select));
    props.appendChild(field(T.called_key, input));
  }

  function renderMessage(element, holder) {
    const list = el("datalist", { id: "pf-message-names" });
    messages().forEach((m) => list.appendChild(el("option", { value: m.name || m.id })));
    const current = holder.messageRef ? holder.messageRef.name || holder.messageRef.id : "";
    const input = textInput("pf-prop-message", current, (v) => setMessage(element, holder, v));
    input.setAttribute("list", "pf-message-names");
    props.appendChild(field(T.message, input));
    props.appendChild(list);
    props.appendChild(el("p", { class: "muted small", text: T.message_note }));
  }

  function renderScript(element) {
    const area = el("textarea", { id: "pf-prop-script", rows: "8", spellcheck: "false",
      class: "modeler-code" });
    area.value = element.businessObject.script || "";
    area.addEventListener("change", () => {
      modeler.get("modeling").updateProperties(element, {
        script: area.value.trim() ? area.value : undefined,
      });
    });
    props.appendChild(field(T.script, area));
    props.appendChild(el("p", { class: "muted small", text: T.script_note }));
  }

  function renderOperator(element) {
    const operator = extensionOf(element.businessObject, OPERATOR);
    const current = operator ? operator.get("id") || "" : "";
    const known = OPERATIONS.map((o) => o.id);
    const select = el("select", { id: "pf-prop-operator" });
    select.appendChild(el("option", { value: "", text: T.operator_pick }));
    known.concat(current && known.indexOf(current) < 0 ? [current] : []).forEach((k) => {
      select.appendChild(el("option", { value: k, text: k }));
    });
    select.value = current;
    select.addEventListener("change", () => setOperator(element, { id: select.value || undefined }));
    props.appendChild(field(T.operator, select));
    const operation = OPERATIONS.find((o) => o.id === current);
    if (operation) {
      const names = operation.parameters.map((p) => p.id + (p.required ? "" : "?"));
      props.appendChild(el("p", { class: "muted small", id: "pf-prop-operator-params",
        text: T.operator_params + ": " + (names.join(", ") || "—") }));
    }
    props.appendChild(field(T.result_variable, textInput("pf-prop-result",
      operator ? operator.get("resultVariable") : "",
      (v) => setOperator(element, { resultVariable: v || undefined }))));

    const holder = operator && operator.get("parameters");
    const rows = (holder ? holder.get("parameters") : []).map((p) => ({
      param: p, id: p.get("id") || "", type: p.get("type") || "", value: p.get("value") || "",
    }));
    const table = el("div", { class: "modeler-params", id: "pf-prop-params" });
    table.appendChild(el("span", { class: "modeler-params-title", text: T.parameters }));
    const save = () => setParameters(element, rows.filter((r) => r.id));
    rows.forEach((row, i) => {
      const line = el("div", { class: "modeler-param", "data-param": row.id });
      [["id", T.param_id], ["type", T.param_type], ["value", T.param_value]].forEach(([k, label]) => {
        const input = el("input", { type: "text", id: "pf-param-" + i + "-" + k,
          "aria-label": label + " (" + (i + 1) + ")", placeholder: label });
        input.value = row[k];
        input.addEventListener("change", () => { row[k] = input.value.trim(); save(); });
        line.appendChild(input);
      });
      const remove = el("button", { type: "button", class: "link", text: T.param_remove,
        "aria-label": T.param_remove + " " + row.id });
      remove.addEventListener("click", () => {
        rows.splice(rows.indexOf(row), 1);
        save();
        render(element);
      });
      line.appendChild(remove);
      table.appendChild(line);
    });
    const add = el("button", { type: "button", class: "secondary", id: "pf-param-add",
      text: T.param_add });
    add.addEventListener("click", () => {
      const taken = rows.map((r) => r.id);
      const missing = operation && operation.parameters.find((p) => taken.indexOf(p.id) < 0);
      let id = missing ? missing.id : "param";
      for (let n = 2; taken.indexOf(id) >= 0; n += 1) id = "param_" + n;
      rows.push({ param: null, id: id, type: "str", value: '""' });
      save();
      render(element);
    });
    table.appendChild(add);
    props.appendChild(table);
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
      say(T.draft_loaded, "good");
    });
  });

  fetch(root.dataset.processesUrl, { credentials: "same-origin" })
    .then((res) => (res.ok ? res.json() : []))
    .then((found) => { processes = found; render(selected()); })
    .catch(() => { processes = []; });

  fetchForms();

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
    load(IO.BLANK);
  }
})();
