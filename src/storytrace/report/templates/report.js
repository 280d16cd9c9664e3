(function () {
  "use strict";
  var dataEl = document.getElementById("ann-data");
  var data = {};
  try { data = JSON.parse(dataEl ? dataEl.textContent : "{}"); } catch (e) { data = {}; }
  var panel = document.getElementById("ann-panel");
  var body = document.getElementById("ann-body");
  var closeBtn = document.getElementById("ann-close");
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function show(mark) {
    var ids = (mark.getAttribute("data-a") || "").split(" ");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    ids.forEach(function (id) {
      var d = data[id];
      if (!d) { return; }
      var box = el("div", "ann-item k-" + d.k);
      box.appendChild(el("div", "ann-tip", d.tip));
      if (d.ot) {
        box.appendChild(el("div", "ann-label", "Other side (" + (d.ol || "source") + "):"));
        box.appendChild(el("blockquote", "ann-other", d.ot));
      }
      if (d.oh) {
        var link = el("a", "ann-jump", "Open the other side \u2192");
        link.href = d.oh;
        box.appendChild(link);
      } else if (d.oa) {
        var a = el("a", "ann-jump", "Jump to the other side \u2192");
        a.href = "#" + d.oa;
        a.addEventListener("click", function () {
          var t = document.getElementById(d.oa);
          var m = t && t.nextElementSibling;
          if (m) { setTimeout(function () { m.classList.add("flash"); m.focus(); setTimeout(function () { m.classList.remove("flash"); }, 1600); }, 50); }
        });
        box.appendChild(a);
      }
      body.appendChild(box);
    });
    panel.hidden = false;
  }
  document.addEventListener("click", function (ev) {
    var m = ev.target.closest ? ev.target.closest("mark.hl") : null;
    if (m) { show(m); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.matches && ev.target.matches("mark.hl")) { show(ev.target); }
    if (ev.key === "Escape") { panel.hidden = true; }
  });
  if (closeBtn) { closeBtn.addEventListener("click", function () { panel.hidden = true; }); }
})();
