// Conditional form fields (JSON Schema if/then/else, rendered by web/forms.py): a field
// wrapped in [data-when-field] applies only when that field's choice is one of
// data-when-values (or is not, with data-when-negate). Hidden fields are disabled, so
// nothing stale is sent; a shown field that the branch requires gets `required` (its
// asterisk is already in the label). The server validates the same schema.
(() => {
  const chosen = (form, name) => {
    const picked = [];
    for (const input of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      if (input.disabled) continue;
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) picked.push(input.value);
      } else if (input.value !== "") {
        picked.push(input.value);
      }
    }
    return picked;
  };

  const apply = (form) => {
    for (const box of form.querySelectorAll("[data-when-field]")) {
      let values = [];
      try {
        values = JSON.parse(box.dataset.whenValues || "[]");
      } catch (err) {
        values = [];
      }
      const matches = chosen(form, box.dataset.whenField).some((v) => values.includes(v));
      const show = box.dataset.whenNegate ? !matches : matches;
      box.hidden = !show;
      for (const input of box.querySelectorAll("input, textarea, select")) {
        input.disabled = !show;
        if (box.dataset.whenRequired && input.type !== "hidden" && input.type !== "checkbox") {
          input.required = show;
          if (show) input.setAttribute("aria-required", "true");
          else input.removeAttribute("aria-required");
        }
      }
    }
  };

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form.jsonform")) {
      if (!form.querySelector("[data-when-field]")) continue;
      apply(form);
      form.addEventListener("change", () => apply(form));
      form.addEventListener("input", () => apply(form));
    }
  });
})();
