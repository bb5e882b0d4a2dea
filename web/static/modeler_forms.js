// The modeler's form editor (window.pfFormEditor, opened from the panel's "Biểu mẫu" group):
// a form as a list of fields — label, type (text, long text, number, date, date-time,
// choice, yes/no, unit, file), required, help text, choices, "shown only when another field
// has a value" — reordered with buttons, previewed live by the task page's own code
// (POST /modeler/form-preview: web/forms.py and the form_fields macro). It writes the JSON
// Schema the engine validates: `title`s, choices as `oneOf` of {const, title}, a condition
// as an `allOf` part {"if": {"properties": {field: {"const": value}}, "required": [field]},
// "then": {"required"|"properties": …}} (what web/forms.py `conditions` reads). What it does
// not edit (other keywords of a field, of the form, other allOf parts) is kept. The JSON is
// there too, behind "JSON Schema (nâng cao)".
(function () {
  "use strict";

  const MANAGED = ["type", "title", "description", "format", "oneOf", "x-widget"];
  const TYPES = ["text", "textarea", "number", "integer", "date", "datetime", "choice", "yesno",
    "unit", "file"];

  function isObject(v) {
    return Boolean(v) && typeof v === "object" && !Array.isArray(v);
  }

  function clone(v) {
    return JSON.parse(JSON.stringify(v));
  }

  // "Đồng ý kiến nghị" → "dong_y_kien_nghi": a data name from a label.
  function slug(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase().replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "").replace(/^(\d)/, "f_$1") || "field";
  }

  function typeOf(spec) {
    if (spec.type === "array") return "other";
    if (spec.format === "org-unit") return "unit";
    if (spec.format === "attachment") return "file";
    if (Array.isArray(spec.oneOf)) return "choice";
    if (spec.type === "boolean") return "yesno";
    if (spec.type === "number" || spec.type === "integer") return spec.type;
    if (spec.type === "string" || spec.type === undefined) {
      if (spec.format === "date") return "date";
      if (spec.format === "date-time") return "datetime";
      if (spec.format === undefined) return spec["x-widget"] === "textarea" ? "textarea" : "text";
    }
    return "other";
  }

  // An allOf part this editor writes: one field's const decides, then requires or declares.
  function simpleCondition(part) {
    if (!isObject(part) || !isObject(part.if) || !isObject(part.then)) return null;
    const keys = Object.keys(part).filter((k) => ["if", "then"].indexOf(k) < 0);
    const test = part.if.properties;
    if (keys.length || !isObject(test) || Object.keys(test).length !== 1) return null;
    const field = Object.keys(test)[0];
    if (!isObject(test[field]) || !("const" in test[field])) return null;
    const then = part.then;
    if (Object.keys(then).some((k) => ["required", "properties"].indexOf(k) < 0)) return null;
    const props = then.properties || {};
    if (Object.keys(props).some((k) => !isObject(props[k]) || Object.keys(props[k]).length)) {
      return null;
    }
    return { field: field, value: test[field].const, required: then.required || [],
      declared: Object.keys(props) };
  }

  // JSON Schema → {title, rest (the form's other keywords), others (allOf parts kept), fields}
  function read(schema) {
    const rest = clone(schema);
    const props = isObject(rest.properties) ? rest.properties : {};
    const required = Array.isArray(rest.required) ? rest.required : [];
    const others = [];
    const when = {};
    const parts = Array.isArray(rest.allOf) ? rest.allOf : [];
    const conds = parts.map(simpleCondition);
    // A field shown under more than one condition is beyond this editor: the parts naming
    // it (and every field they name) stay as written, in the JSON.
    const count = {};
    conds.forEach((c) => c && c.required.concat(c.declared).forEach((n) => {
      count[n] = (count[n] || 0) + 1;
    }));
    const fixed = new Set(Object.keys(count).filter((n) => count[n] > 1));
    for (let grew = true; grew;) {
      grew = false;
      conds.forEach((c) => {
        if (!c) return;
        const names = c.required.concat(c.declared);
        if (names.some((n) => fixed.has(n)) && names.some((n) => !fixed.has(n))) {
          names.forEach((n) => fixed.add(n));
          grew = true;
        }
      });
    }
    parts.forEach((part, i) => {
      const c = conds[i];
      if (!c || c.required.concat(c.declared).some((n) => fixed.has(n))) {
        others.push(part);
        return;
      }
      c.required.concat(c.declared).forEach((name) => {
        when[name] = { field: c.field, value: c.value,
          required: (when[name] && when[name].required) || c.required.indexOf(name) >= 0 };
      });
    });
    const fields = Object.keys(props).map((name) => {
      const spec = isObject(props[name]) ? props[name] : {};
      const type = typeOf(spec);
      const extra = {};
      Object.keys(spec).forEach((k) => { if (type === "other" || MANAGED.indexOf(k) < 0) extra[k] = spec[k]; });
      const w = when[name];
      return {
        key: name, keyEdited: true, label: spec.title || "", type: type,
        required: required.indexOf(name) >= 0 || Boolean(w && w.required),
        help: spec.description || "",
        choices: (spec.oneOf || []).filter(isObject).map((o) => ({ const: o.const, title: o.title })),
        when: w ? { field: w.field, value: w.value } : null,
        extra: extra,
      };
    });
    ["properties", "required", "allOf", "title", "type"].forEach((k) => delete rest[k]);
    return { title: schema.title || "", rest: rest, others: others, fields: fields };
  }

  function spec(f) {
    const out = clone(f.extra || {});
    if (f.type === "other") return out;
    ({
      text: () => { out.type = "string"; },
      textarea: () => { out.type = "string"; out["x-widget"] = "textarea"; },
      number: () => { out.type = "number"; },
      integer: () => { out.type = "integer"; },
      date: () => { out.type = "string"; out.format = "date"; },
      datetime: () => { out.type = "string"; out.format = "date-time"; },
      choice: () => {
        out.type = "string";
        out.oneOf = f.choices.map((c) => ({ const: c.const, title: c.title }));
      },
      yesno: () => { out.type = "boolean"; },
      unit: () => { out.type = "string"; out.format = "org-unit"; },
      file: () => { out.type = "string"; out.format = "attachment"; },
    })[f.type]();
    const ordered = { type: out.type };
    if (f.label) ordered.title = f.label;
    if (f.help) ordered.description = f.help;
    Object.keys(out).forEach((k) => { if (k !== "type") ordered[k] = out[k]; });
    return ordered;
  }

  // {title, rest, others, fields} → JSON Schema
  function write(form) {
    const schema = { type: "object" };
    if (form.title) schema.title = form.title;
    Object.assign(schema, clone(form.rest));
    schema.properties = {};
    const required = [];
    const parts = clone(form.others);
    const grouped = {};
    form.fields.forEach((f) => {
      schema.properties[f.key] = spec(f);
      if (f.when && f.when.field) {
        // one part per condition: the fields it requires, or only shows
        const id = JSON.stringify([f.when.field, f.when.value, Boolean(f.required)]);
        if (!grouped[id]) {
          const test = { properties: {} };
          test.properties[f.when.field] = { const: f.when.value };
          test.required = [f.when.field];
          grouped[id] = { if: test, then: f.required ? { required: [] } : { properties: {} } };
          parts.push(grouped[id]);
        }
        if (f.required) grouped[id].then.required.push(f.key);
        else grouped[id].then.properties[f.key] = {};
      } else if (f.required) {
        required.push(f.key);
      }
    });
    if (required.length) schema.required = required;
    if (parts.length) schema.allOf = parts;
    return schema;
  }

  // -- the dialog --------------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((k) => {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "value") node.value = attrs[k];
      else if (k === "checked") node.checked = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach((c) => { if (c) node.appendChild(c); });
    return node;
  }

  function labelled(text, input, cls) {
    return el("label", { class: "pf-fe-field " + (cls || "") }, [el("span", { text: text }), input]);
  }

  function open(options) {
    const T = options.texts;
    const form = read(options.schema);
    let previewTimer = null;
    let previewSeq = 0;

    const dialog = el("dialog", { class: "pf-form-editor", id: "pf-form-editor",
      "aria-labelledby": "pf-fe-heading" });
    const heading = el("h2", { id: "pf-fe-heading",
      text: T.fe_title + " — " + options.name });
    const title = el("input", { type: "text", id: "pf-fe-title", value: form.title });
    const list = el("ol", { class: "pf-fe-list", id: "pf-fe-list" });
    const add = el("button", { type: "button", class: "secondary", id: "pf-fe-add",
      text: T.fe_add });
    const preview = el("div", { class: "pf-fe-preview", id: "pf-fe-preview",
      "aria-live": "polite" });
    const json = el("textarea", { id: "pf-prop-form-schema", rows: "14", spellcheck: "false",
      class: "modeler-code" });
    const jsonError = el("p", { class: "field-error", id: "pf-prop-form-error", role: "alert" });
    jsonError.hidden = true;
    const advanced = el("details", { class: "pf-fe-json" }, [
      el("summary", { text: T.fe_json }), json, jsonError]);
    const done = el("button", { type: "button", class: "primary", id: "pf-fe-done",
      text: T.fe_done });

    function changed(fromJson) {
      const schema = write(form);
      options.onChange(schema);
      if (!fromJson) json.value = JSON.stringify(schema, null, 2);
      schedulePreview(schema);
    }

    function schedulePreview(schema) {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(() => drawPreview(schema), 250);
    }

    function drawPreview(schema) {
      const seq = ++previewSeq;
      fetch(options.previewUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": options.csrf },
        body: JSON.stringify({ schema: schema }),
      }).then((res) => res.json()).then((data) => {
        if (seq !== previewSeq) return;
        if (data.html !== undefined) {
          preview.innerHTML = data.html; // the server's own rendering (escaped by Jinja)
          if (window.pfDates) window.pfDates.setup(preview); // the task page's date pickers
          preview.querySelectorAll("input, select, textarea").forEach((n) => {
            n.setAttribute("tabindex", "-1");
          });
        } else {
          preview.textContent = data.error || "";
        }
        dialog.dataset.previewed = String(seq);
      }).catch(() => {});
    }

    function choiceLines(f) {
      return f.choices.map((c) => (c.const === slug(c.title) ? c.title : c.const + " | " + c.title))
        .join("\n");
    }

    function parseChoices(text) {
      return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
        const at = line.indexOf("|");
        if (at > 0) return { const: line.slice(0, at).trim(), title: line.slice(at + 1).trim() };
        return { const: slug(line), title: line };
      });
    }

    // The values a condition may test on another field: its choices, or yes/no.
    function valuesOf(f) {
      if (!f) return [];
      if (f.type === "choice") return f.choices.map((c) => [c.const, c.title]);
      if (f.type === "yesno") return [[true, T.fe_yes], [false, T.fe_no]];
      return [];
    }

    function draw() {
      list.textContent = "";
      if (!form.fields.length) list.appendChild(el("li", { class: "muted", text: T.fe_empty }));
      form.fields.forEach((f, i) => {
        const n = i + 1;
        const label = el("input", { type: "text", class: "pf-fe-label", value: f.label,
          id: "pf-fe-" + i + "-label" });
        const key = el("input", { type: "text", class: "pf-fe-key", value: f.key,
          id: "pf-fe-" + i + "-key" });
        const type = el("select", { class: "pf-fe-type", id: "pf-fe-" + i + "-type" },
          TYPES.concat(f.type === "other" ? ["other"] : []).map((t) =>
            el("option", { value: t, text: T["type_" + t] || t })));
        type.value = f.type;
        const required = el("input", { type: "checkbox", class: "pf-fe-required",
          id: "pf-fe-" + i + "-required", checked: f.required });
        const help = el("input", { type: "text", class: "pf-fe-help", value: f.help,
          id: "pf-fe-" + i + "-help" });
        const choices = el("textarea", { class: "pf-fe-choices", rows: "3",
          id: "pf-fe-" + i + "-choices", value: choiceLines(f) });
        const deciders = form.fields.filter((o) => o !== f && valuesOf(o).length);
        const whenField = el("select", { class: "pf-fe-when", id: "pf-fe-" + i + "-when" },
          [el("option", { value: "", text: T.fe_when_any })].concat(deciders.map((o) =>
            el("option", { value: o.key, text: o.label || o.key }))));
        whenField.value = f.when ? f.when.field : "";
        const decider = f.when && form.fields.find((o) => o.key === f.when.field);
        const whenValue = el("select", { class: "pf-fe-when-value",
          id: "pf-fe-" + i + "-when-value" }, valuesOf(decider).map(([v, t]) =>
          el("option", { value: JSON.stringify(v), text: t })));
        if (f.when) whenValue.value = JSON.stringify(f.when.value);
        whenValue.hidden = !f.when;

        label.addEventListener("input", () => {
          f.label = label.value;
          if (!f.keyEdited) { f.key = uniqueKey(slug(label.value), f); key.value = f.key; }
          changed();
        });
        label.addEventListener("change", () => draw());
        key.addEventListener("change", () => {
          const old = f.key;
          f.key = uniqueKey(slug(key.value) === key.value.trim() ? key.value.trim()
            : slug(key.value), f);
          f.keyEdited = true;
          form.fields.forEach((o) => { if (o.when && o.when.field === old) o.when.field = f.key; });
          changed(); draw();
        });
        type.addEventListener("change", () => {
          f.type = type.value;
          if (f.type === "choice" && !f.choices.length) f.choices = [];
          changed(); draw();
        });
        required.addEventListener("change", () => { f.required = required.checked; changed(); });
        help.addEventListener("input", () => { f.help = help.value; changed(); });
        choices.addEventListener("input", () => { f.choices = parseChoices(choices.value); changed(); });
        choices.addEventListener("change", () => draw());
        whenField.addEventListener("change", () => {
          const o = form.fields.find((x) => x.key === whenField.value);
          f.when = o ? { field: o.key, value: valuesOf(o)[0][0] } : null;
          changed(); draw();
        });
        whenValue.addEventListener("change", () => {
          f.when.value = JSON.parse(whenValue.value);
          changed();
        });

        const move = (d, text, id) => {
          const b = el("button", { type: "button", class: "link", text: text, id: id,
            "aria-label": text + " " + (f.label || f.key) });
          b.disabled = i + d < 0 || i + d >= form.fields.length;
          b.addEventListener("click", () => {
            const [moved] = form.fields.splice(i, 1);
            form.fields.splice(i + d, 0, moved);
            changed(); draw();
          });
          return b;
        };
        const remove = el("button", { type: "button", class: "link", text: T.fe_remove,
          id: "pf-fe-" + i + "-remove", "aria-label": T.fe_remove + " " + (f.label || f.key) });
        remove.addEventListener("click", () => {
          form.fields.splice(i, 1);
          form.fields.forEach((o) => { if (o.when && o.when.field === f.key) o.when = null; });
          changed(); draw();
        });

        list.appendChild(el("li", { class: "pf-fe-item", "data-field": f.key }, [
          el("div", { class: "pf-fe-row" }, [
            el("span", { class: "pf-fe-number", text: n + "." }),
            labelled(T.fe_label, label, "wide"),
            labelled(T.fe_type, type),
            el("label", { class: "pf-fe-check" }, [required, el("span", { text: T.fe_required })]),
          ]),
          el("div", { class: "pf-fe-row" }, [
            labelled(T.fe_key, key),
            labelled(T.fe_help, help, "wide"),
          ]),
          f.type === "choice" ? labelled(T.fe_choices, choices, "wide") : null,
          f.type === "other" ? el("p", { class: "muted small", text: T.fe_kept }) : null,
          el("div", { class: "pf-fe-row" }, [
            labelled(T.fe_when, whenField),
            f.when ? labelled(T.fe_when_value, whenValue) : null,
            el("span", { class: "pf-fe-moves" }, [
              move(-1, T.fe_up, "pf-fe-" + i + "-up"), move(1, T.fe_down, "pf-fe-" + i + "-down"),
              remove]),
          ]),
        ]));
      });
    }

    function uniqueKey(base, self) {
      let name = base;
      for (let n = 2; form.fields.some((o) => o !== self && o.key === name); n += 1) {
        name = base + "_" + n;
      }
      return name;
    }

    title.addEventListener("input", () => { form.title = title.value.trim(); changed(); });
    add.addEventListener("click", () => {
      const f = { key: "", keyEdited: false, label: "", type: "text", required: false,
        help: "", choices: [], when: null, extra: {} };
      f.key = uniqueKey("field", f);
      form.fields.push(f);
      changed(); draw();
      const inputs = list.querySelectorAll(".pf-fe-label");
      if (inputs.length) inputs[inputs.length - 1].focus();
    });
    json.addEventListener("input", () => {
      let value;
      let error = "";
      try {
        value = JSON.parse(json.value);
        if (!isObject(value)) error = T.form_not_object;
      } catch (e) {
        error = T.form_invalid + ": " + e.message;
      }
      jsonError.textContent = error;
      jsonError.hidden = !error;
      options.onInvalid(error);
      if (error) return;
      const again = read(value);
      Object.assign(form, again);
      title.value = form.title;
      options.onChange(value);
      draw();
      schedulePreview(value);
    });
    done.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      options.onClose();
    });

    dialog.appendChild(heading);
    dialog.appendChild(el("div", { class: "pf-fe-body" }, [
      el("div", { class: "pf-fe-edit" }, [
        labelled(T.fe_form_title, title, "wide"),
        el("h3", { text: T.fe_fields }), list, add, advanced]),
      el("div", { class: "pf-fe-side" }, [el("h3", { text: T.fe_preview }), preview]),
    ]));
    dialog.appendChild(el("div", { class: "pf-fe-actions" }, [done]));
    document.body.appendChild(dialog);
    json.value = JSON.stringify(options.schema, null, 2);
    draw();
    drawPreview(options.schema);
    dialog.showModal();
    return dialog;
  }

  window.pfFormEditor = { open: open, read: read, write: write, slug: slug };
})();
