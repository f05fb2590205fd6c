// The findings table of the kube-posture report: filters, sort and pages over the data embedded in
// #kp-data. Plain browser JavaScript, no library, no request: only the rows of the page shown are in the
// DOM, so a report of tens of thousands of findings stays responsive. Row layout (render.ts, TableData):
// [severity, source, namespace, object, policy, message, path, remediation, framework mask, action].
(function () {
  'use strict';
  var SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  var PAGE = 50;
  var data = JSON.parse(document.getElementById('kp-data').textContent);
  var S = data.strings;
  var rows = data.rows;
  var state = { source: '', namespace: '', severity: '', policy: '', framework: '', text: '', sortCol: 0, sortDir: 1, page: 0 };
  var view = rows;
  var haystacks = null;

  var el = function (id) { return document.getElementById(id); };
  var tbody = el('findings-table').tBodies[0];

  function fillSelect(select, entries) {
    if (!select) return;
    var frag = document.createDocumentFragment();
    entries.forEach(function (e) {
      var o = document.createElement('option');
      o.value = e[0];
      o.textContent = e[1];
      frag.appendChild(o);
    });
    select.appendChild(frag);
  }

  function distinct(col) {
    var seen = {};
    var out = [];
    for (var i = 0; i < rows.length; i++) {
      var v = rows[i][col];
      if (!seen[v]) { seen[v] = true; out.push(v); }
    }
    return out.sort(function (a, b) { return S[a] < S[b] ? -1 : S[a] > S[b] ? 1 : 0; });
  }

  fillSelect(el('f-source'), data.sources.map(function (s, i) { return [String(i), s]; }));
  fillSelect(el('f-namespace'), distinct(2).map(function (i) { return [String(i), S[i] === '' ? '(cluster-scoped)' : S[i]]; }));
  fillSelect(el('f-policy'), distinct(4).map(function (i) { return [String(i), S[i]]; }));
  fillSelect(el('f-framework'), data.frameworks.map(function (f, i) { return [String(i), f.name]; }));

  function haystack(r) {
    return (S[r[3]] + '\u0000' + S[r[2]] + '\u0000' + S[r[4]] + '\u0000' + S[r[5]] + '\u0000' + S[r[6]] + '\u0000' + data.sources[r[1]]).toLowerCase();
  }

  function sortKey(r, col) {
    if (col === 0) return r[0];
    if (col === 1) return data.sources[r[1]];
    return S[r[col]];
  }

  function apply() {
    var text = state.text.toLowerCase();
    if (text && !haystacks) haystacks = rows.map(haystack);
    var src = state.source === '' ? -1 : +state.source;
    var ns = state.namespace === '' ? -1 : +state.namespace;
    var sev = state.severity === '' ? -1 : SEVERITIES.indexOf(state.severity);
    var pol = state.policy === '' ? -1 : +state.policy;
    var fw = state.framework === '' ? 0 : 1 << +state.framework;
    var out = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (src >= 0 && r[1] !== src) continue;
      if (ns >= 0 && r[2] !== ns) continue;
      if (sev >= 0 && r[0] !== sev) continue;
      if (pol >= 0 && r[4] !== pol) continue;
      if (fw && !(r[8] & fw)) continue;
      if (text && haystacks[i].indexOf(text) < 0) continue;
      out.push(r);
    }
    var col = state.sortCol;
    var dir = state.sortDir;
    out.sort(function (a, b) {
      var x = sortKey(a, col);
      var y = sortKey(b, col);
      if (x < y) return -dir;
      if (x > y) return dir;
      return a[0] - b[0] || (S[a[3]] < S[b[3]] ? -1 : S[a[3]] > S[b[3]] ? 1 : 0);
    });
    view = out;
    state.page = 0;
    render();
  }

  function cell(tr, text, className) {
    var td = document.createElement('td');
    if (className) td.className = className;
    if (text !== undefined) td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function render() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * PAGE;
    var frag = document.createDocumentFragment();
    for (var i = start; i < Math.min(view.length, start + PAGE); i++) {
      var r = view[i];
      var tr = document.createElement('tr');
      var sev = cell(tr);
      var badge = document.createElement('span');
      badge.className = 'sev sev-' + SEVERITIES[r[0]];
      badge.textContent = SEVERITIES[r[0]];
      sev.appendChild(badge);
      if (data.fleet) cell(tr, data.sources[r[1]]);
      cell(tr, S[r[2]] === '' ? '(cluster-scoped)' : S[r[2]]);
      cell(tr, S[r[3]]);
      cell(tr, S[r[4]]).appendChild(document.createElement('br'));
      tr.lastChild.appendChild(document.createTextNode(S[r[9]]));
      var f = cell(tr, undefined, 'finding');
      var msg = document.createElement('div');
      msg.className = 'message';
      msg.textContent = S[r[5]];
      f.appendChild(msg);
      if (S[r[6]]) {
        var path = document.createElement('div');
        path.className = 'path';
        path.appendChild(document.createTextNode('at '));
        var code = document.createElement('code');
        code.textContent = S[r[6]];
        path.appendChild(code);
        f.appendChild(path);
      }
      var fix = document.createElement('div');
      fix.className = 'fix';
      fix.textContent = 'Fix: ' + S[r[7]];
      f.appendChild(fix);
      frag.appendChild(tr);
    }
    if (view.length === 0) {
      var empty = document.createElement('tr');
      var td = cell(empty, 'No finding matches the filters.');
      td.colSpan = data.fleet ? 6 : 5;
      frag.appendChild(empty);
    }
    tbody.replaceChildren(frag);
    el('f-count').textContent = view.length + ' of ' + rows.length + ' finding(s)';
    el('p-info').textContent = 'Page ' + (state.page + 1) + ' of ' + pages;
    el('p-prev').disabled = state.page === 0;
    el('p-next').disabled = state.page >= pages - 1;
    var ths = document.querySelectorAll('#findings-table th[data-sort]');
    for (var j = 0; j < ths.length; j++) {
      var c = +ths[j].getAttribute('data-sort');
      ths[j].setAttribute('aria-sort', c === state.sortCol ? (state.sortDir > 0 ? 'ascending' : 'descending') : 'none');
    }
  }

  ['source', 'namespace', 'severity', 'policy', 'framework'].forEach(function (name) {
    var select = el('f-' + name);
    if (select) select.addEventListener('change', function () { state[name] = select.value; apply(); });
  });
  var timer = 0;
  el('f-text').addEventListener('input', function (e) {
    clearTimeout(timer);
    var value = e.target.value;
    timer = setTimeout(function () { state.text = value; apply(); }, 120);
  });
  el('filters').addEventListener('submit', function (e) { e.preventDefault(); });
  el('filters').addEventListener('reset', function () {
    setTimeout(function () {
      state.source = state.namespace = state.severity = state.policy = state.framework = state.text = '';
      apply();
    }, 0);
  });
  var heads = document.querySelectorAll('#findings-table th[data-sort] button');
  for (var k = 0; k < heads.length; k++) {
    heads[k].addEventListener('click', function (e) {
      var col = +e.currentTarget.parentNode.getAttribute('data-sort');
      if (state.sortCol === col) state.sortDir = -state.sortDir;
      else { state.sortCol = col; state.sortDir = 1; }
      apply();
    });
  }
  el('p-prev').addEventListener('click', function () { state.page--; render(); });
  el('p-next').addEventListener('click', function () { state.page++; render(); });
  apply();
  // For the benchmark: milliseconds from navigation start until the table is drawn and every control answers.
  document.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  document.documentElement.setAttribute('data-ready', 'true');
})();
