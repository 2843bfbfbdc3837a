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

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // localTimes shows every time in the reader's time zone; the UTC time the
  // server wrote stays in the title.
  function localTimes() {
    var zone;
    try {
      zone = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" }).formatToParts(new Date())
        .filter(function (p) { return p.type === "timeZoneName"; })[0].value;
    } catch (e) { zone = ""; }
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var t = new Date(el.getAttribute("datetime"));
      if (isNaN(t.getTime())) return;
      if (!el.title) el.title = el.textContent;
      el.textContent = t.getFullYear() + "-" + pad(t.getMonth() + 1) + "-" + pad(t.getDate()) + " " +
        pad(t.getHours()) + ":" + pad(t.getMinutes()) + (zone ? " " + zone : "");
      el.dataset.local = "1";
    });
  }

  // focusFailed puts the cursor in the field an error names.
  function focusFailed() {
    var el = document.querySelector("[aria-invalid=true]");
    if (el) el.focus();
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      if (!el.dataset.ends) el.dataset.ends = el.textContent;
      var end = Date.parse(el.getAttribute("datetime"));
      if (isNaN(end)) return;
      el.textContent = left(end - now) + " · " + el.dataset.ends;
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
    localTimes();
    focusFailed();
    tick();
    if (document.querySelector("time.countdown")) setInterval(tick, 1000);
  });
})();
