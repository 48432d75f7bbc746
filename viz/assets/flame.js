// leakscope flame graph behaviour: zoom, search, tooltips, URL state. Runs inside the standalone SVG.
"use strict";
var fg = { boxes: [], zoomed: null, search: null };
function fgNum(el, name) { return parseFloat(el.getAttribute(name)); }
function init() {
  var svg = document.documentElement;
  fg.xpad = fgNum(svg, "data-xpad");
  fg.inner = fgNum(svg, "data-inner");
  fg.charw = fgNum(svg, "data-fontsize") * fgNum(svg, "data-fontwidth");
  fg.details = document.getElementById("details");
  fg.matched = document.getElementById("matched");
  fg.unzoom = document.getElementById("unzoom");
  fg.searchbtn = document.getElementById("search");
  var frames = document.getElementById("frames");
  var gs = frames.children;
  for (var i = 0; i < gs.length; i++) {
    var g = gs[i], r = g.querySelector("rect"), title = g.querySelector("title").textContent;
    g.setAttribute("data-i", i);
    fg.boxes.push({ g: g, r: r, t: g.querySelector("text"), title: title, fill: r.getAttribute("fill"),
      name: title.replace(/ \([^()]*\)$/, ""), x: fgNum(r, "x"), w: fgNum(r, "width"), d: fgNum(g, "data-d"), i: i });
  }
  frames.addEventListener("click", function (e) {
    var g = e.target.closest("g.f");
    if (g) { zoom(fg.boxes[+g.getAttribute("data-i")]); syncUrl(); }
  });
  frames.addEventListener("mouseover", function (e) {
    var g = e.target.closest("g.f");
    if (g) fg.details.textContent = fg.boxes[+g.getAttribute("data-i")].title;
  });
  frames.addEventListener("mouseout", function () { fg.details.textContent = " "; });
  fg.unzoom.addEventListener("click", function () { unzoom(); syncUrl(); });
  fg.searchbtn.addEventListener("click", function () {
    if (fg.search) resetSearch(); else promptSearch();
    syncUrl();
  });
  window.addEventListener("keydown", function (e) {
    if (e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && e.keyCode === 70)) { e.preventDefault(); promptSearch(); syncUrl(); }
    else if (e.key === "Escape") { resetSearch(); syncUrl(); }
  });
  var p = new URLSearchParams(location.search);
  if (p.get("z") !== null && fg.boxes[+p.get("z")]) zoom(fg.boxes[+p.get("z")]);
  if (p.get("s")) search(p.get("s"));
}
function fit(b, w) {
  var n = Math.floor((w - 6) / fg.charw);
  if (n < 3) return "";
  return b.name.length <= n ? b.name : b.name.substr(0, n - 2) + "..";
}
function place(b, x, w) {
  b.r.setAttribute("x", x.toFixed(2));
  b.r.setAttribute("width", w.toFixed(2));
  b.t.setAttribute("x", (x + 3).toFixed(2));
  b.t.textContent = fit(b, w);
}
function zoom(z) {
  var eps = 0.01, ratio = fg.inner / z.w;
  fg.zoomed = z;
  fg.unzoom.classList.remove("hide");
  fg.boxes.forEach(function (b) {
    var inside = b.x >= z.x - eps && b.x + b.w <= z.x + z.w + eps;
    var covers = b.x <= z.x + eps && b.x + b.w >= z.x + z.w - eps;
    if (b.d >= z.d && inside) {
      b.g.classList.remove("hide", "parent");
      place(b, fg.xpad + (b.x - z.x) * ratio, b.w * ratio);
    } else if (b.d < z.d && covers) {
      b.g.classList.remove("hide");
      b.g.classList.add("parent");
      place(b, fg.xpad, fg.inner);
    } else {
      b.g.classList.add("hide");
    }
  });
  if (fg.search) search(fg.search.source);
}
function unzoom() {
  fg.zoomed = null;
  fg.unzoom.classList.add("hide");
  fg.boxes.forEach(function (b) {
    b.g.classList.remove("hide", "parent");
    place(b, b.x, b.w);
  });
  if (fg.search) search(fg.search.source);
}
function promptSearch() {
  var term = prompt("Search for (regular expression):", fg.search ? fg.search.source : "");
  if (term) search(term);
}
function search(term) {
  var re;
  try { re = new RegExp(term); } catch (e) { fg.matched.textContent = "Invalid regex: " + term; return; }
  fg.search = re;
  var lo = fg.zoomed ? fg.zoomed.x : fg.xpad, hi = fg.zoomed ? fg.zoomed.x + fg.zoomed.w : fg.xpad + fg.inner;
  var spans = [];
  fg.boxes.forEach(function (b) {
    if (re.test(b.name)) {
      b.r.setAttribute("fill", "rgb(230,0,230)");
      b.g.classList.add("match");
      var a = Math.max(b.x, lo), c = Math.min(b.x + b.w, hi);
      if (c > a && !b.g.classList.contains("hide")) spans.push([a, c]);
    } else {
      b.r.setAttribute("fill", b.fill);
      b.g.classList.remove("match");
    }
  });
  // A match's descendants are inside it: count the union of the matched spans, not their sum.
  spans.sort(function (p, q) { return p[0] - q[0]; });
  var covered = 0, end = -Infinity;
  spans.forEach(function (s) {
    if (s[1] <= end) return;
    covered += s[1] - Math.max(s[0], end);
    end = s[1];
  });
  fg.matched.textContent = "Matched: " + (100 * covered / (hi - lo)).toFixed(1) + "%";
  fg.searchbtn.textContent = "Reset Search";
  fg.searchbtn.classList.add("show");
}
function resetSearch() {
  fg.search = null;
  fg.boxes.forEach(function (b) { b.r.setAttribute("fill", b.fill); b.g.classList.remove("match"); });
  fg.matched.textContent = " ";
  fg.searchbtn.textContent = "Search";
  fg.searchbtn.classList.remove("show");
}
function syncUrl() {
  try {
    var p = new URLSearchParams(location.search);
    if (fg.search) p.set("s", fg.search.source); else p.delete("s");
    if (fg.zoomed) p.set("z", fg.zoomed.i); else p.delete("z");
    var q = p.toString();
    history.replaceState(null, "", location.pathname + (q ? "?" + q : "") + location.hash);
  } catch (e) { /* some viewers forbid history changes; zoom and search still work */ }
}
