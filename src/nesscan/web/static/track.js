// Hover read-out of a score track: residue number, letter (when known) and score under the pointer.
document.querySelectorAll("figure.track").forEach(function (fig) {
  var svg = fig.querySelector("svg.track-svg"), readout = fig.querySelector(".readout");
  var track = JSON.parse(fig.dataset.track || "[]"), n = +svg.dataset.length;
  var cursor = svg.querySelector(".cursor"), left = 44, right = 12, width = 960;
  var art = fig.closest("[data-sequence]"), seq = art ? art.dataset.sequence : "";
  svg.addEventListener("mousemove", function (e) {
    var box = svg.getBoundingClientRect(), x = (e.clientX - box.left) / box.width * width;
    var r = Math.floor((x - left) / (width - left - right) * n) + 1;
    if (r < 1 || r > n) { readout.textContent = ""; cursor.setAttribute("visibility", "hidden"); return; }
    var cx = left + (r - 0.5) / n * (width - left - right);
    cursor.setAttribute("x1", cx); cursor.setAttribute("x2", cx); cursor.setAttribute("visibility", "visible");
    readout.textContent = "residue " + r + (seq ? " " + seq[r - 1] : "") +
      (track.length ? "  score " + track[r - 1].toFixed(3) : "");
  });
  svg.addEventListener("mouseleave", function () { readout.textContent = ""; cursor.setAttribute("visibility", "hidden"); });
});
// The example button fills the form with a protein whose NES is known.
var ex = document.getElementById("example");
if (ex) ex.addEventListener("click", function () { document.getElementById("sequence").value = ex.dataset.example; });
