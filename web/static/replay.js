// The replay page (web/templates/replay.html): step through an instance's history with
// the slider, the |◀ ◀ ▶ ▶| links, the step list or the keyboard (← →, Home, End). Every
// step comes embedded: its diagram states, flows and permalink in #replay-data, its
// details (rendered by the server) in a <template>; a move swaps the details, re-marks the
// diagram (diagram.js redraws on "pf:remark"), marks the step in the list, keeps the
// step for the verify button and puts the step's permalink in the address bar.
(function () {
  "use strict";

  const source = document.getElementById("replay-data");
  const slider = document.getElementById("replay-step");
  if (!source || !slider) return;
  const steps = JSON.parse(source.textContent);
  if (!steps.length) return;

  const details = document.getElementById("replay-details");
  const position = document.getElementById("replay-position");
  const diagram = document.getElementById("diagram");
  const list = document.querySelector(".replay-steps");
  const verifyStep = document.querySelector('.verify-form input[name="step"]');
  const last = steps.length - 1;
  let index = Math.min(Math.max(Number(slider.value) - 1, 0), last);

  const targets = {
    first: () => 0,
    prev: () => index - 1,
    next: () => index + 1,
    last: () => last,
  };

  function setNav() {
    document.querySelectorAll("[data-go]").forEach((link) => {
      const target = targets[link.dataset.go]();
      const off = target < 0 || target > last || target === index;
      link.href = steps[Math.min(Math.max(target, 0), last)].url;
      link.classList.toggle("off", off);
      if (off) link.setAttribute("aria-disabled", "true");
      else link.removeAttribute("aria-disabled");
    });
  }

  function markList(step) {
    if (!list) return;
    const was = list.querySelector('[aria-current="step"]');
    if (was) was.removeAttribute("aria-current");
    const link = list.querySelector('a[data-step="' + step.seq + '"]');
    if (!link) return;
    link.setAttribute("aria-current", "step");
    // Keep it in sight inside the list's own scroll box (never scroll the page); the
    // list is positioned, so offsetTop counts from its top.
    const top = link.offsetTop;
    if (top < list.scrollTop || top + link.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = top - list.clientHeight / 2;
    }
  }

  function show(target) {
    if (target < 0 || target > last || target === index) return;
    index = target;
    const step = steps[index];
    const content = document.querySelector('template.replay-step[data-step="' + step.seq + '"]');
    if (content) details.replaceChildren(content.content.cloneNode(true));
    position.textContent = step.seq + "/" + steps.length;
    slider.value = String(step.seq);
    diagram.dataset.states = JSON.stringify(step.states);
    diagram.dataset.flows = JSON.stringify(step.flows);
    diagram.dataset.acted = step.element_id;
    diagram.dataset.xmlUrl = step.xml_url; // diagram.js loads another version when it changes
    diagram.dispatchEvent(new CustomEvent("pf:remark"));
    markList(step);
    setNav();
    if (verifyStep) verifyStep.value = String(step.seq);
    history.replaceState(null, "", step.url);
  }

  slider.addEventListener("input", () => show(Number(slider.value) - 1));

  document.addEventListener("click", (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const link = event.target.closest("a[data-go], a[data-step]");
    if (!link) return;
    event.preventDefault();
    if (link.dataset.go) show(targets[link.dataset.go]());
    else show(Number(link.dataset.step) - 1);
  });

  const KEYS = { ArrowLeft: "prev", ArrowRight: "next", Home: "first", End: "last" };
  document.addEventListener("keydown", (event) => {
    const go = KEYS[event.key];
    if (!go || event.altKey || event.ctrlKey || event.metaKey) return;
    // The slider moves by itself (its "input" event follows); fields keep their keys.
    if (event.target === slider || event.target.closest("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    show(targets[go]());
  });

  document.querySelectorAll(".replay-go").forEach((button) => { button.hidden = true; });
  setNav();
  markList(steps[index]);
})();
