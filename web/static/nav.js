// The phone menu (issue 18 item 7): under 700px the navigation is folded behind the header's
// "Menu" button; the button opens and closes it (aria-expanded), Escape closes it.
(() => {
  const setup = () => {
    const button = document.querySelector(".menu-toggle");
    const nav = document.getElementById("side-nav");
    if (!button || !nav) return;
    const layout = nav.closest(".layout");
    const set = (open) => {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (layout) layout.classList.toggle("nav-open", open);
    };
    button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        set(false);
        button.focus();
      }
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
