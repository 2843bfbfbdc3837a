// jitgit progressive enhancement: live countdowns and copy buttons.
// Every page works without this file.
(function () {
  "use strict";

  function left(ms) {
    if (ms <= 0) return "ended";
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400); s -= d * 86400;
    var h = Math.floor(s / 3600); s -= h * 3600;
    var m = Math.floor(s / 60); s -= m * 60;
    var out = "";
    if (d) out += d + "d ";
    if (d || h) out += h + "h ";
    if (d || h || m) out += m + "m ";
    if (!d) out += s + "s";
    return out.trim() + " left";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      if (!el.dataset.ends) el.dataset.ends = el.textContent;
      var end = Date.parse(el.getAttribute("datetime"));
      if (isNaN(end)) return;
      el.textContent = left(end - now) + " · " + el.dataset.ends;
      el.title = el.dataset.ends;
      el.classList.toggle("over", end <= now);
    });
  }

  function copyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("input.copyable").forEach(function (input) {
      var wrap = document.createElement("span");
      wrap.className = "copy-wrap";
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      var b = document.createElement("button");
      b.type = "button";
      b.className = "copy";
      b.textContent = "Copy";
      b.addEventListener("click", function () {
        navigator.clipboard.writeText(input.value).then(function () {
          b.textContent = "Copied";
          setTimeout(function () { b.textContent = "Copy"; }, 1500);
        });
      });
      wrap.appendChild(b);
    });
    document.querySelectorAll("input.copyable").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    copyButtons();
    tick();
    if (document.querySelector("time.countdown")) setInterval(tick, 1000);
  });
})();
