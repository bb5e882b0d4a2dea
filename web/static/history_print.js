// The history's printable page (web/templates/history_print.html): "In / Lưu PDF" opens
// the browser's print dialog (a file, not an inline script: the CSP allows only these).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-page");
  if (button) button.addEventListener("click", () => window.print());
});
