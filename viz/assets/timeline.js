// The Timeline view's window chooser: drag across the chart, or click two snapshots; the page then
// reloads with ?from=I&to=J (snapshot indices), which every other view carries on. The page follows
// the series through /api/series: while the server is still reading it, the progress line shows how
// far it has come and the page reloads when all are in; after that, a snapshot added to the series
// (a watched DIR, a polled URL) reloads the page, window kept, unless a drag is under way.
(function () {
  var box = document.getElementById('timeline-chart');
  if (!box) return;
  var svg = box.querySelector('svg');
  var left = parseFloat(box.dataset.left), plotWidth = parseFloat(box.dataset.plotWidth);
  var xmax = parseFloat(box.dataset.xmax), times = JSON.parse(box.dataset.times);
  var ns = 'http://www.w3.org/2000/svg';
  var rect = document.createElementNS(ns, 'rect');
  rect.setAttribute('id', 'window-rect');
  rect.setAttribute('fill', 'rgba(31,119,180,0.18)');
  rect.setAttribute('stroke', '#1f77b4');
  rect.setAttribute('y', '20');
  rect.setAttribute('height', String(Math.max(0, svg.getAttribute('height') - 60)));
  rect.setAttribute('pointer-events', 'none');
  svg.appendChild(rect);

  function xOf(i) { return left + times[i] / xmax * plotWidth; }
  // The snapshot nearest the pointer.
  function indexAt(event) {
    var x = (event.clientX - svg.getBoundingClientRect().left) * svg.viewBox.baseVal.width / svg.getBoundingClientRect().width;
    var best = 0;
    for (var i = 1; i < times.length; i++) if (Math.abs(xOf(i) - x) < Math.abs(xOf(best) - x)) best = i;
    return best;
  }
  function show(a, b) {
    var x1 = xOf(Math.min(a, b)), x2 = xOf(Math.max(a, b));
    rect.setAttribute('x', String(x1 - 2));
    rect.setAttribute('width', String(x2 - x1 + 4));
    rect.style.display = '';
  }
  function go(a, b) {
    var params = new URLSearchParams(location.search);
    params.set('from', String(Math.min(a, b)));
    params.set('to', String(Math.max(a, b)));
    location.search = params.toString();
  }
  if (box.dataset.from !== '') show(+box.dataset.from, +box.dataset.to); else rect.style.display = 'none';

  var start = null, firstClick = null;
  var loading = document.getElementById('loading'), generation = box.dataset.generation;
  var poll = setInterval(function () {
    fetch('/api/series').then(function (r) { return r.json(); }).then(function (s) {
      if (loading) {
        if (!s.loading) { clearInterval(poll); location.reload(); return; }
        loading.dataset.read = String(s.loading.read);
        loading.textContent = 'Reading the series: ' + s.loading.read + ' of ' + s.loading.expected +
          ' snapshots so far (this page reloads when all are in).';
      } else if (String(s.generation) !== generation && start === null && firstClick === null) {
        clearInterval(poll);
        location.reload();
      }
    }).catch(function () {});
  }, loading ? 1000 : 2000);

  box.addEventListener('mousedown', function (e) { start = indexAt(e); show(start, start); e.preventDefault(); });
  box.addEventListener('mousemove', function (e) { if (start !== null) show(start, indexAt(e)); });
  box.addEventListener('mouseup', function (e) {
    if (start === null) return;
    var end = indexAt(e), from = start;
    start = null;
    if (end !== from) return go(from, end);
    // A click: the first marks one end, the second (on another snapshot) the other.
    if (firstClick === null || firstClick === end) { firstClick = end; show(end, end); return; }
    go(firstClick, end);
  });
})();
