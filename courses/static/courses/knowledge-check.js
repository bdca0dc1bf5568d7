// Knowledge checks in lessons: choosing an answer says at once whether it is right.
// Without JavaScript the "Show the answer" disclosure still works.
document.querySelectorAll("[data-knowledge-check]").forEach(function (check) {
  var result = check.querySelector("[data-result]");
  check.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "radio") return;
    check.querySelectorAll("label").forEach(function (label) {
      label.classList.remove("is-correct", "is-wrong");
    });
    var right = input.hasAttribute("data-correct");
    input.closest("label").classList.add(right ? "is-correct" : "is-wrong");
    result.textContent = right ? result.dataset.right : result.dataset.wrong;
    result.className = right ? "is-correct" : "is-wrong";
    result.hidden = false;
  });
});
