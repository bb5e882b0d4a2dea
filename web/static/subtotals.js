// Live subtotals of a form's sections (web/form_groups.py): an <output data-subtotal-of=
// "a b c"> shows the sum of the number fields a, b and c of its form, as typed (empty and
// unreadable values count 0), with the page's thousands separator.
(() => {
  const lang = document.documentElement.lang === "en" ? "en-US" : "vi-VN";
  const update = (form) => {
    for (const out of form.querySelectorAll("output[data-subtotal-of]")) {
      let sum = 0;
      for (const name of out.dataset.subtotalOf.split(/\s+/).filter(Boolean)) {
        const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
        const value = input ? Number(String(input.value).replace(",", ".")) : 0;
        if (Number.isFinite(value)) sum += value;
      }
      out.value = sum.toLocaleString(lang);
      out.textContent = out.value;
    }
  };
  const setup = () => {
    for (const form of document.querySelectorAll("form")) {
      if (!form.querySelector("output[data-subtotal-of]")) continue;
      update(form);
      form.addEventListener("input", () => update(form));
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
