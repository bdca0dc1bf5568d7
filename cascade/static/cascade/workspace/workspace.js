// Trainer workspace: the roster grid's bulk ticks and its unsaved-changes guard.
// Without JavaScript the day checkboxes work on their own; the bulk buttons stay hidden.
document.addEventListener("DOMContentLoaded", () => {
  const roster = document.getElementById("roster");
  if (!roster) return;
  const enabled = (boxes) => Array.from(boxes).filter((box) => !box.disabled);
  const toggle = (boxes) => {
    const tick = boxes.some((box) => !box.checked);
    for (const box of boxes) box.checked = tick;
    roster.dispatchEvent(new Event("change", { bubbles: true }));
  };
  // "Everyone on this day" in each column head; "All days" beside each name.
  for (const button of roster.querySelectorAll(".ws-tick-day")) {
    button.hidden = false;
    button.addEventListener("click", () =>
      toggle(enabled(roster.querySelectorAll(`tbody input[type=checkbox][data-day="${button.dataset.day}"]`))),
    );
  }
  for (const button of roster.querySelectorAll(".ws-tick-row")) {
    button.hidden = false;
    button.addEventListener("click", () => toggle(enabled(button.closest("tr").querySelectorAll("input[type=checkbox]"))));
  }
  // Unsaved changes: say so beside the save button, and ask before leaving the page with them.
  const status = roster.querySelector(".ws-unsaved");
  let dirty = false;
  const markDirty = () => {
    dirty = true;
    roster.dataset.dirty = "1";
    if (status) status.textContent = roster.dataset.unsaved;
  };
  roster.addEventListener("input", markDirty);
  roster.addEventListener("change", markDirty);
  roster.addEventListener("submit", () => {
    dirty = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = roster.dataset.unsaved;
  });
});
