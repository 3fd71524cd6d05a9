// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) return;
  const source = document.getElementById(button.dataset.copy);
  navigator.clipboard.writeText(source.textContent.trim()).then(() => {
    const done = button.dataset.copied;
    if (done) button.textContent = done;
  });
});

// A button that loads more in place disappears once it has (no inline handler: the CSP
// allows no inline script).
document.addEventListener("htmx:afterRequest", (event) => {
  const element = event.detail && event.detail.elt;
  if (element && element.matches && element.matches("[data-remove-after-request]")) element.remove();
});
