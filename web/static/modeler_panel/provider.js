// The modeler's properties panel in people's words: a properties provider for
// bpmn-js-properties-panel (getGroups, $inject, as bpmn-io's properties-panel-extension
// example) adding what the engine reads — Vai trò (a lane's role), Biểu mẫu (a form, edited
// without JSON in modeler_forms.js), Thời hạn (a number and a unit, a date field, or an
// expression behind "Nâng cao"), a timer's time (a duration, a date, a repetition), a
// flow's condition, a called process, a script, Thao tác dịch vụ (a service task's operation
// and parameters). The stock BPMN provider keeps names, ids, documentation, messages,
// signals, errors, multi-instance; its raw timer group is replaced by ours. Every change is
// one undo step. Words come from the page (config.pf.texts, modeler.py `_texts()`).

import { h } from "@bpmn-io/properties-panel/preact";
import { useEffect, useRef, useState } from "@bpmn-io/properties-panel/preact/hooks";
import { useService } from "bpmn-js-properties-panel";

import { formatDue, formatTimer, parseDue, parseTimer } from "./values.js";

const TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];
const OPERATOR = "spiffworkflow:ServiceTaskOperator";
const INPUT = "bio-properties-panel-input";

// -- the model: Spiff properties, extension elements, one undo step per change ----------

export function PfProperties(modeling, moddle, commandStack, eventBus, config) {
  this.modeling = modeling;
  this.moddle = moddle;
  this.eventBus = eventBus;
  this.cfg = config || {};
  this.T = this.cfg.texts || {};
  this.commandStack = commandStack;
  commandStack.registerHandler("pf.batch", function () {
    this.preExecute = (context) => context.changes();
    this.execute = () => [];
    this.revert = () => [];
  });
}
PfProperties.$inject = ["modeling", "moddle", "commandStack", "eventBus", "config.pf"];

// Several modeling calls as one command: one undo takes them all back.
PfProperties.prototype.batch = function (changes) {
  this.commandStack.execute("pf.batch", { changes: changes });
};

// The panel drawn again (roles, forms, processes fetched after it was first drawn).
PfProperties.prototype.refresh = function () {
  this.eventBus.fire("propertiesPanel.providersChanged");
};

PfProperties.prototype.extensionOf = function (bo, type) {
  const ext = bo.extensionElements;
  return ext ? (ext.get("values") || []).find((v) => v.$type === type) || null : null;
};

PfProperties.prototype.get = function (bo, name) {
  const list = this.extensionOf(bo, "spiffworkflow:Properties");
  const found = list && list.get("properties").find((p) => p.name === name);
  return found ? found.value || "" : "";
};

// The element's extension element of `type`, created if missing (inside batch).
PfProperties.prototype.ensure = function (element, type) {
  const bo = element.businessObject;
  let ext = bo.extensionElements;
  if (!ext) {
    ext = this.moddle.create("bpmn:ExtensionElements", { values: [] });
    ext.$parent = bo;
    this.modeling.updateProperties(element, { extensionElements: ext });
  }
  let found = this.extensionOf(bo, type);
  if (!found) {
    found = this.moddle.create(type, type === "spiffworkflow:Properties" ? { properties: [] } : {});
    found.$parent = ext;
    this.modeling.updateModdleProperties(element, ext, {
      values: ext.get("values").concat([found]),
    });
  }
  return found;
};

// <spiffworkflow:property name value>: set, changed, or removed when the value is empty.
PfProperties.prototype.set = function (element, name, value) {
  const bo = element.businessObject;
  const list = this.extensionOf(bo, "spiffworkflow:Properties");
  const existing = list && list.get("properties").find((p) => p.name === name);
  if (!value && !existing) return;
  if (existing && existing.value === value) return;
  this.batch(() => {
    const holder = this.ensure(element, "spiffworkflow:Properties");
    if (!value) {
      this.modeling.updateModdleProperties(element, holder, {
        properties: holder.get("properties").filter((p) => p !== existing),
      });
    } else if (existing) {
      this.modeling.updateModdleProperties(element, existing, { value: value });
    } else {
      const added = this.moddle.create("spiffworkflow:Property", { name: name, value: value });
      added.$parent = holder;
      this.modeling.updateModdleProperties(element, holder, {
        properties: holder.get("properties").concat([added]),
      });
    }
  });
};

PfProperties.prototype.expression = function (body) {
  return this.moddle.create("bpmn:FormalExpression", { body: body });
};

// -- small inputs with the panel's look --------------------------------------------------

function row(id, label, input, extra) {
  return h("div", { class: "bio-properties-panel-entry pf-entry", "data-entry-id": id }, [
    label ? h("label", { for: id, class: "bio-properties-panel-label" }, label) : null,
    input,
  ].concat(extra || []));
}

function note(text, id) {
  return text ? h("p", { class: "bio-properties-panel-description", id: id }, text) : null;
}

function select(id, value, options, onChange, attrs) {
  return h("select", Object.assign({ id: id, class: INPUT, value: value,
    onChange: (e) => { if (e.target.value !== value) onChange(e.target.value); } }, attrs || {}),
  options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
}

function text(id, value, onChange, attrs) {
  return h("input", Object.assign({ id: id, type: "text", class: INPUT, value: value || "",
    spellcheck: false, onChange: (e) => {
      const v = e.target.value.trim();
      if (v !== (value || "")) onChange(v); // a change event with nothing changed: no command
    } }, attrs || {}));
}

function area(id, value, onChange, rows) {
  return h("textarea", { id: id, class: INPUT + " pf-code", rows: rows || 3, spellcheck: false,
    value: value || "", onChange: (e) => {
      if (e.target.value !== (value || "")) onChange(e.target.value);
    } });
}

function checkbox(id, label, checked, onChange, disabled) {
  return h("label", { class: "pf-toggle", for: id }, [
    h("input", { id: id, type: "checkbox", checked: checked, disabled: Boolean(disabled),
      onChange: (e) => onChange(e.target.checked) }), " ", label]);
}

// -- Vai trò ------------------------------------------------------------------------------

function RoleEntry({ element }) {
  const pf = useService("pfProperties");
  const T = pf.T;
  const current = pf.get(element.businessObject, "role");
  const roles = pf.cfg.roles();
  const options = [["", T.no_role]].concat(roles.map((r) =>
    [r.key, (pf.cfg.lang === "en" ? r.name_en || r.name : r.name) || r.key]));
  if (current && !roles.some((r) => r.key === current)) options.push([current, current]);
  return row("pf-prop-role", T.role, select("pf-prop-role", current, options,
    (v) => pf.set(element, "role", v)), [note(T.role_note)]);
}

// -- Biểu mẫu -----------------------------------------------------------------------------

function FormEntry({ element }) {
  const pf = useService("pfProperties");
  const T = pf.T;
  const bo = element.businessObject;
  const current = pf.get(bo, "formJsonSchemaFilename");
  const options = [["", T.form_none]].concat(pf.cfg.formOptions(current));
  const summary = current ? pf.cfg.formSummary(current) : "";
  return h("div", { class: "pf-form-entry" }, [
    row("pf-prop-form-select", T.form_pick, select("pf-prop-form-select", current, options,
      (v) => pf.set(element, "formJsonSchemaFilename", v))),
    note(summary, "pf-prop-form-summary"),
    h("div", { class: "pf-buttons" }, [
      current ? h("button", { type: "button", class: "pf-button", id: "pf-prop-form-edit",
        onClick: () => pf.cfg.editForm(current) }, T.form_edit) : null,
      h("button", { type: "button", class: "pf-button", id: "pf-prop-form-add",
        onClick: () => pf.cfg.newForm(element, (name) => pf.set(element,
          "formJsonSchemaFilename", name)) }, T.form_new),
    ]),
  ]);
}

// -- Thời hạn -----------------------------------------------------------------------------

function DueEntry({ element }) {
  const pf = useService("pfProperties");
  const T = pf.T;
  const value = pf.get(element.businessObject, "dueIn");
  const due = parseDue(value);
  const [advanced, setAdvanced] = useState(false); // an expression opens it by itself
  const open = advanced || due.mode === "expr";
  const write = (next) => pf.set(element, "dueIn", formatDue(next));
  const counted = ["WD", "H", "D"].indexOf(due.mode) >= 0;
  const modes = [["none", T.due_none], ["WD", T.due_wd], ["H", T.due_hours],
    ["D", T.due_days], ["field", T.due_field]];
  if (due.mode === "expr") modes.push(["expr", T.due_expr]);
  const fields = pf.cfg.dateFields();
  const parts = [
    h("div", { class: "pf-inline" }, [
      counted ? h("input", { id: "pf-prop-due-number", type: "number", min: "0", step: "1",
        class: INPUT + " pf-number", value: String(due.n), "aria-label": T.due_number,
        onChange: (e) => write({ mode: due.mode, n: e.target.value }) }) : null,
      select("pf-prop-due-unit", due.mode, modes, (mode) => {
        if (mode === "expr") return;
        write({ mode: mode, n: counted ? due.n : 1, field: fields[0] || "" });
      }, { "aria-label": T.due_unit }),
    ]),
  ];
  if (due.mode === "field") {
    parts.push(row("pf-prop-due-field", T.due_field_name, text("pf-prop-due-field", due.field,
      (v) => write({ mode: "field", field: v }), { list: "pf-date-fields" })));
    parts.push(h("datalist", { id: "pf-date-fields" },
      fields.map((f) => h("option", { value: f }))));
  }
  parts.push(note(dueSummary(T, due), "pf-prop-due-summary"));
  parts.push(checkbox("pf-prop-due-advanced", T.advanced, open, setAdvanced,
    due.mode === "expr"));
  if (open) {
    parts.push(row("pf-prop-due", T.due_expression, text("pf-prop-due", value,
      (v) => write({ mode: "expr", expr: v }))));
    parts.push(note(T.due_expression_note));
  }
  return h("div", { class: "bio-properties-panel-entry pf-due", "data-entry-id": "pf-due" },
    [h("label", { class: "bio-properties-panel-label", for: "pf-prop-due-unit" }, T.due)]
      .concat(parts));
}

function dueSummary(T, due) {
  const fill = (t, n) => String(t || "").replace("{n}", String(n));
  switch (due.mode) {
    case "WD": return fill(T.due_says_wd, due.n);
    case "H": return fill(T.due_says_hours, due.n);
    case "D": return fill(T.due_says_days, due.n);
    case "field": return due.field ? fill(T.due_says_field, due.field) : "";
    case "none": return T.due_says_none;
    default: return "";
  }
}

// -- Hẹn giờ ------------------------------------------------------------------------------

function timerOf(bo) {
  return (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:TimerEventDefinition");
}

// Tomorrow in Việt Nam, YYYY-MM-DD: a new date timer's first value.
function tomorrow() {
  return new Date(Date.now() + 31 * 3600 * 1000).toISOString().slice(0, 10);
}

function TimerEntry({ element }) {
  const pf = useService("pfProperties");
  const T = pf.T;
  const timer = timerOf(element.businessObject);
  const kind = TIMER_KINDS.find((k) => timer[k]) || "timeDuration";
  const body = timer[kind] ? timer[kind].body || "" : "";
  const parsed = parseTimer(kind, body);
  const [advanced, setAdvanced] = useState(false); // an expression opens it by itself
  const open = advanced || parsed.mode === "expr";
  const write = (nextKind, nextBody) => {
    const changes = {};
    TIMER_KINDS.forEach((k) => { changes[k] = undefined; });
    if (nextBody) changes[nextKind] = pf.expression(nextBody);
    pf.modeling.updateModdleProperties(element, timer, changes);
  };
  const units = [["S", T.unit_seconds], ["M", T.unit_minutes], ["H", T.unit_hours],
    ["D", T.unit_days]];
  const parts = [row("pf-prop-timer-kind", T.timer_kind, select("pf-prop-timer-kind", kind,
    [["timeDuration", T.timer_duration], ["timeDate", T.timer_date],
      ["timeCycle", T.timer_cycle]],
    (k) => write(k, formatTimer(k === "timeDate" ? { mode: "date", date: tomorrow(),
      time: "08:00" } : parseTimer(k, "")))))];
  const number = (id, key, label) => h("input", { id: id, type: "number", min: "0", step: "1",
    class: INPUT + " pf-number", value: String(parsed[key]), "aria-label": label,
    onChange: (e) => write(kind, formatTimer(Object.assign({}, parsed, { [key]: e.target.value }))) });
  const unit = select("pf-prop-timer-unit", parsed.unit, units,
    (u) => write(kind, formatTimer(Object.assign({}, parsed, { unit: u }))),
    { "aria-label": T.due_unit });
  if (parsed.mode === "duration") {
    parts.push(h("div", { class: "pf-inline" }, [number("pf-prop-timer-number", "n", T.due_number),
      unit]));
  } else if (parsed.mode === "cycle") {
    parts.push(h("div", { class: "pf-inline" }, [
      h("span", {}, T.timer_every), number("pf-prop-timer-number", "n", T.due_number), unit,
      number("pf-prop-timer-repeat", "r", T.timer_times), h("span", {}, T.timer_times)]));
  } else if (parsed.mode === "date") {
    parts.push(h("div", { class: "pf-inline" }, [
      h("input", { id: "pf-prop-timer-date", type: "date", class: INPUT, value: parsed.date,
        "aria-label": T.timer_date_day,
        onChange: (e) => write(kind, formatTimer(Object.assign({}, parsed, { date: e.target.value }))) }),
      h("input", { id: "pf-prop-timer-time", type: "time", class: INPUT, value: parsed.time,
        "aria-label": T.timer_date_time,
        onChange: (e) => write(kind, formatTimer(Object.assign({}, parsed, { time: e.target.value }))) }),
    ]));
    parts.push(note(T.timer_date_note));
  }
  parts.push(checkbox("pf-prop-timer-advanced", T.advanced, open, setAdvanced,
    parsed.mode === "expr"));
  if (open) {
    parts.push(row("pf-prop-timer", T.timer_expr, text("pf-prop-timer", body,
      (v) => write(kind, v))));
    parts.push(note(T.timer_expr_note));
  }
  // The page's date and hour pickers (static/dates.js: dd/mm/yyyy, 24-hour, whatever the
  // browser's locale), when the page has them; else the browser's own inputs.
  const box = useRef(null);
  useEffect(() => {
    if (box.current && window.pfDates) window.pfDates.setup(box.current);
  });
  return h("div", { class: "bio-properties-panel-entry pf-timer", ref: box }, parts);
}

// -- Điều kiện, quy trình được gọi, mã lệnh ------------------------------------------------

function ConditionEntry({ element }) {
  const pf = useService("pfProperties");
  const cond = element.businessObject.conditionExpression;
  const current = cond ? cond.body || "" : "";
  return row("pf-prop-condition", pf.T.condition, area("pf-prop-condition", current, (v) => {
    if (v.trim() === current.trim()) return;
    pf.modeling.updateProperties(element, {
      conditionExpression: v.trim() ? pf.expression(v.trim()) : undefined,
    });
  }), [note(pf.T.condition_note)]);
}

function CalledEntry({ element }) {
  const pf = useService("pfProperties");
  const T = pf.T;
  const current = element.businessObject.calledElement || "";
  const processes = pf.cfg.processes();
  const save = (v) => pf.modeling.updateProperties(element, { calledElement: v || undefined });
  const known = processes.some((p) => p.key === current);
  return h("div", {}, [
    row("pf-prop-called-select", T.called, select("pf-prop-called-select", known ? current : "",
      [["", T.called_pick]].concat(processes.map((p) => [p.key, p.name + " (" + p.key + ")"])),
      (v) => { if (v) save(v); })),
    row("pf-prop-called", T.called_key, text("pf-prop-called", current, save)),
  ]);
}

function ScriptEntry({ element }) {
  const pf = useService("pfProperties");
  const current = element.businessObject.script || "";
  return row("pf-prop-script", pf.T.script, area("pf-prop-script", current, (v) => {
    if (v === current || (!v.trim() && !current)) return;
    pf.modeling.updateProperties(element, { script: v.trim() ? v : undefined });
  }, 8), [note(pf.T.script_note)]);
}

// -- Thao tác dịch vụ ----------------------------------------------------------------------

function setOperator(pf, element, changes) {
  pf.batch(() => {
    pf.modeling.updateModdleProperties(element, pf.ensure(element, OPERATOR), changes);
  });
}

// rows: [{param (the existing spiffworkflow:Parameter or null), id, type, value}]
function setParameters(pf, element, rows) {
  pf.batch(() => {
    const operator = pf.ensure(element, OPERATOR);
    let holder = operator.get("parameters");
    if (!holder) {
      holder = pf.moddle.create("spiffworkflow:Parameters", { parameters: [] });
      holder.$parent = operator;
      pf.modeling.updateModdleProperties(element, operator, { parameters: holder });
    }
    const list = rows.map((row) => {
      const values = { id: row.id, type: row.type || undefined, value: row.value };
      if (!row.param) {
        const added = pf.moddle.create("spiffworkflow:Parameter", values);
        added.$parent = holder;
        return added;
      }
      if (["id", "type", "value"].some((k) => (row.param.get(k) || undefined) !==
          (values[k] || undefined))) {
        pf.modeling.updateModdleProperties(element, row.param, values);
      }
      return row.param;
    });
    const before = holder.get("parameters");
    if (list.length !== before.length || list.some((p, i) => p !== before[i])) {
      pf.modeling.updateModdleProperties(element, holder, { parameters: list });
    }
  });
}

function ServiceEntry({ element }) {
  const pf = useService("pfProperties");
  const T = pf.T;
  const operations = pf.cfg.operations || [];
  const operator = pf.extensionOf(element.businessObject, OPERATOR);
  const current = operator ? operator.get("id") || "" : "";
  const options = [["", T.operator_pick]].concat(operations.map((o) =>
    [o.id, o.label ? o.label + " (" + o.id + ")" : o.id]));
  if (current && !operations.some((o) => o.id === current)) options.push([current, current]);
  const operation = operations.find((o) => o.id === current);
  const holder = operator && operator.get("parameters");
  const rows = (holder ? holder.get("parameters") : []).map((p) => ({
    param: p, id: p.get("id") || "", type: p.get("type") || "", value: p.get("value") || "",
  }));
  const save = () => setParameters(pf, element, rows.filter((r) => r.id));
  const params = rows.map((r, i) => h("div", { class: "pf-param", "data-param": r.id },
    [["id", T.param_id], ["type", T.param_type], ["value", T.param_value]].map(([k, label]) =>
      h("input", { id: "pf-param-" + i + "-" + k, type: "text", class: INPUT,
        "aria-label": label + " (" + (i + 1) + ")", placeholder: label, value: r[k],
        onChange: (e) => { r[k] = e.target.value.trim(); save(); } })).concat([
      h("button", { type: "button", class: "pf-link", "aria-label": T.param_remove + " " + r.id,
        onClick: () => { rows.splice(rows.indexOf(r), 1); save(); } }, T.param_remove)])));
  const add = () => {
    const taken = rows.map((r) => r.id);
    const missing = operation && operation.parameters.find((p) => taken.indexOf(p.id) < 0);
    let id = missing ? missing.id : "param";
    for (let n = 2; taken.indexOf(id) >= 0; n += 1) id = "param_" + n;
    rows.push({ param: null, id: id, type: "str", value: '""' });
    save();
  };
  return h("div", {}, [
    row("pf-prop-operator", T.operator, select("pf-prop-operator", current, options,
      (v) => setOperator(pf, element, { id: v || undefined }))),
    operation ? note(T.operator_params + ": " + (operation.parameters.map((p) =>
      p.id + (p.required ? "" : "?")).join(", ") || "—"), "pf-prop-operator-params") : null,
    row("pf-prop-result", T.result_variable, text("pf-prop-result",
      operator ? operator.get("resultVariable") : "",
      (v) => setOperator(pf, element, { resultVariable: v || undefined }))),
    h("div", { class: "pf-params", id: "pf-prop-params" }, [
      h("span", { class: "bio-properties-panel-label" }, T.parameters)].concat(params).concat([
      h("button", { type: "button", class: "pf-button", id: "pf-param-add", onClick: add },
        T.param_add)])),
  ]);
}

// -- the provider -------------------------------------------------------------------------

function entry(id, element, component) {
  return { id: id, element: element, component: component, isEdited: () => false };
}

export function PolicyflowProvider(propertiesPanel, pfProperties) {
  this.pf = pfProperties;
  propertiesPanel.registerProvider(500, this);
}
PolicyflowProvider.$inject = ["propertiesPanel", "pfProperties"];

PolicyflowProvider.prototype.getGroups = function (element) {
  const T = this.pf.T;
  return (groups) => {
    const bo = element.businessObject;
    const is = (type) => bo && bo.$instanceOf && bo.$instanceOf(type);
    const ours = [];
    const add = (id, label, component) => {
      ours.push({ id: id, label: label, entries: [entry(id + "-entry", element, component)] });
    };
    if (is("bpmn:Lane")) add("pf-role", T.group_role, RoleEntry);
    if (is("bpmn:UserTask") || (is("bpmn:StartEvent") && !(bo.eventDefinitions || []).length)) {
      add("pf-form", T.group_form, FormEntry);
    }
    if (is("bpmn:UserTask")) add("pf-due", T.group_due, DueEntry);
    if (bo && timerOf(bo)) add("pf-timer", T.group_timer, TimerEntry);
    if (is("bpmn:SequenceFlow")) add("pf-condition", T.group_condition, ConditionEntry);
    if (is("bpmn:CallActivity")) add("pf-called", T.group_called, CalledEntry);
    if (is("bpmn:ScriptTask")) add("pf-script", T.group_script, ScriptEntry);
    if (is("bpmn:ServiceTask")) add("pf-service", T.group_service, ServiceEntry);
    const kept = groups.filter((g) => g.id !== "timer");
    const at = kept.findIndex((g) => g.id === "general") + 1;
    kept.splice(at, 0, ...ours);
    return kept;
  };
};

// The stock panel's and the modeler's English words in the page's language (translate).
export function translateFactory(config) {
  const words = (config && config.texts && config.texts.stock) || {};
  return function translate(template, replacements) {
    const found = Object.prototype.hasOwnProperty.call(words, template) ? words[template] : template;
    return found.replace(/{([^}]+)}/g, (m, k) => (replacements && k in replacements ?
      replacements[k] : m));
  };
}
translateFactory.$inject = ["config.pf"];

export default {
  __init__: ["pfProperties", "policyflowProvider"],
  pfProperties: ["type", PfProperties],
  policyflowProvider: ["type", PolicyflowProvider],
  translate: ["factory", translateFactory],
};
