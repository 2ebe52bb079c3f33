// The board's "Selected tasks: N": counts the ticked tasks of the form the counter is in.
// Without this script the form works the same; the counter then shows the server's count.
document.addEventListener("DOMContentLoaded", () => {
  for (const output of document.querySelectorAll("[data-bulk-count]")) {
    const form = output.closest("form");
    const update = () => {
      output.value = form.querySelectorAll('input[name="tasks"]:checked').length;
    };
    form.addEventListener("change", update);
    document.body.addEventListener("htmx:afterSwap", update);
    update();
  }
});
