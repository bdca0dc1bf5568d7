// Trainer workspace: an "All days" button per participant ticks every day of the session.
// Without JavaScript the day checkboxes work on their own; the button stays hidden.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".ws-all-days")) {
    const boxes = button.closest("fieldset").querySelectorAll("input[type=checkbox]");
    button.hidden = false;
    button.addEventListener("click", () => {
      const tick = Array.from(boxes).some((box) => !box.checked);
      for (const box of boxes) box.checked = tick;
    });
  }
});
