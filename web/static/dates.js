// Dates, times and files in Vietnamese formats whatever the browser's locale (issue 18
// item 5). Every <input type=date|datetime-local|time> becomes a flatpickr picker: the
// person sees and types dd/mm/yyyy and 24-hour HH:MM, the form still sends ISO
// (yyyy-mm-dd, yyyy-mm-ddTHH:MM, HH:MM) in the original, now hidden, input, which keeps
// its name. The visible input takes the original id, so labels stay tied to it. Month and
// day names follow the page's language (Vietnamese, or English when the UI is English).
// File inputs get a button and a "no file chosen" text in the page's words (body's
// data-file-choose / data-file-none), instead of the browser's.
(() => {
  const KINDS = {
    date: { dateFormat: "Y-m-d", altFormat: "d/m/Y", hint: "dd/mm/yyyy" },
    "datetime-local": {
      dateFormat: "Y-m-d\\TH:i", altFormat: "d/m/Y H:i", enableTime: true, hint: "dd/mm/yyyy hh:mm",
    },
    time: { dateFormat: "H:i", altFormat: "H:i", enableTime: true, noCalendar: true, hint: "hh:mm" },
  };
  const pad = (n) => String(n).padStart(2, "0");

  // Typed text: dd/mm/yyyy [HH:MM] (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy), ISO, or HH:MM.
  const parse = (text) => {
    const s = String(text || "").trim();
    let m = s.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:h](\d{2}))?$/);
    if (m) return build(+m[3], +m[2], +m[1], m[4], m[5]);
    m = s.match(/^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/);
    if (m) return build(+m[1], +m[2], +m[3], m[4], m[5]);
    m = s.match(/^(\d{1,2})[:h](\d{2})$/);
    if (m) {
      const d = new Date();
      d.setHours(+m[1], +m[2], 0, 0);
      return +m[1] < 24 && +m[2] < 60 ? d : undefined;
    }
    return undefined;
  };
  const build = (y, mo, d, h, mi) => {
    const date = new Date(y, mo - 1, d, h ? +h : 0, mi ? +mi : 0);
    const valid = date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d
      && (!h || (+h < 24 && +mi < 60));
    return valid ? date : undefined;
  };

  const picker = (input) => {
    const kind = KINDS[input.type];
    if (!kind || input.dataset.picker || !window.flatpickr) return;
    input.dataset.picker = "1";
    const vi = document.documentElement.lang !== "en";
    const locale = vi && window.flatpickr.l10ns.vn ? window.flatpickr.l10ns.vn : "default";
    const id = input.id;
    const fp = window.flatpickr(input, {
      dateFormat: kind.dateFormat,
      altInput: true,
      altFormat: kind.altFormat,
      allowInput: true,
      enableTime: !!kind.enableTime,
      noCalendar: !!kind.noCalendar,
      time_24hr: true,
      disableMobile: true, // phones would show the browser's own (locale) picker
      minuteIncrement: 1,
      locale,
      parseDate: (text) => parse(text),
      minDate: input.min || undefined,
      maxDate: input.max || undefined,
    });
    const shown = fp.altInput;
    if (!shown) return;
    shown.placeholder = kind.hint;
    shown.setAttribute("inputmode", "numeric");
    shown.autocomplete = "off";
    for (const attr of ["aria-describedby", "aria-invalid", "aria-required"]) {
      if (input.hasAttribute(attr)) shown.setAttribute(attr, input.getAttribute(attr));
    }
    if (id) {
      input.id = `${id}-iso`;
      shown.id = id;
    }
    // A disabled (conditionally hidden) original disables the visible one too.
    new MutationObserver(() => {
      shown.disabled = input.disabled;
    }).observe(input, { attributes: true, attributeFilter: ["disabled"] });
  };

  const fileButton = (input) => {
    if (input.dataset.picker || input.closest("label.button")) return;
    input.dataset.picker = "1";
    const body = document.body.dataset;
    const none = body.fileNone || "Chưa chọn tệp";
    const wrap = document.createElement("span");
    wrap.className = "file-pick";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = body.fileChoose || "Chọn tệp";
    const name = document.createElement("span");
    name.className = "file-name muted";
    name.textContent = none;
    if (input.id) button.setAttribute("aria-controls", input.id);
    input.parentNode.insertBefore(wrap, input);
    wrap.append(input, button, name);
    input.classList.add("file-native");
    input.tabIndex = -1;
    button.addEventListener("click", () => input.click());
    input.addEventListener("change", () => {
      const names = Array.from(input.files || [], (f) => f.name);
      name.textContent = names.length ? names.join(", ") : none;
    });
  };

  const setup = (root) => {
    for (const input of root.querySelectorAll("input[type=date], input[type=datetime-local], input[type=time]")) {
      picker(input);
    }
    for (const input of root.querySelectorAll("input[type=file]")) fileButton(input);
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => setup(document));
  } else {
    setup(document);
  }
  window.pfDates = { setup, parse };
})();
