// peerlab report, SVG charts: line charts (steps, dots, bands), empirical CDFs, bar charts.
// Follows report.js in the page and uses its helpers (el, svg, fmt, pct, colorOf).
'use strict';

function niceTicks(lo, hi, count) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}
// series: [{name, color, points: [[x, y]...], step?, dots?, dash?}]; opts: {xLabel, yLabel,
// width, height, yMax, yMin, xMin, xMax, bands: [{from, to, label}], cursor}
function lineChart(series, opts) {
  const W = opts.width || 560, H = opts.height || 300, m = { l: 58, r: 14, t: 12, b: 40 };
  // Bounds by loops, not Math.min(...points): a long series would overflow the call stack.
  let x0 = 0, x1 = -Infinity, y0 = 0, y1 = -Infinity;
  for (const s of series) {
    for (const [x, y] of s.points) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  const xMin = opts.xMin !== undefined ? opts.xMin : x0;
  const xMax = opts.xMax !== undefined ? opts.xMax : Math.max(x1, xMin + 1e-9);
  const yMin = opts.yMin !== undefined ? opts.yMin : y0;
  const yMax = opts.yMax !== undefined ? opts.yMax : Math.max(y1, yMin + 1e-9);
  const X = x => m.l + (W - m.l - m.r) * (x - xMin) / ((xMax - xMin) || 1);
  const Y = y => H - m.b - (H - m.t - m.b) * (y - yMin) / ((yMax - yMin) || 1);
  const root = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H });
  for (const b of opts.bands || []) {
    root.append(svg('rect', { x: X(b.from), y: m.t, width: Math.max(1, X(b.to) - X(b.from)), height: H - m.t - m.b,
                             fill: b.color || '#fbe3e1' }, svg('title', {}, b.label || '')));
  }
  const axis = svg('g', { class: 'axis' });
  for (const t of niceTicks(xMin, xMax, 6)) {
    axis.append(svg('line', { class: 'grid', x1: X(t), x2: X(t), y1: m.t, y2: H - m.b }));
    axis.append(svg('text', { x: X(t), y: H - m.b + 14, 'text-anchor': 'middle' }, fmt(t)));
  }
  for (const t of niceTicks(yMin, yMax, 5)) {
    axis.append(svg('line', { class: 'grid', x1: m.l, x2: W - m.r, y1: Y(t), y2: Y(t) }));
    axis.append(svg('text', { x: m.l - 6, y: Y(t) + 4, 'text-anchor': 'end' }, fmt(t)));
  }
  axis.append(svg('line', { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
  axis.append(svg('line', { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b }));
  axis.append(svg('text', { x: (m.l + W - m.r) / 2, y: H - 6, 'text-anchor': 'middle' }, opts.xLabel || ''));
  axis.append(svg('text', { x: 12, y: (m.t + H - m.b) / 2, 'text-anchor': 'middle',
                            transform: 'rotate(-90 12 ' + (m.t + H - m.b) / 2 + ')' }, opts.yLabel || ''));
  root.append(axis);
  for (const s of series) {
    if (!s.points.length) continue;
    if (!s.dots) {
      let d = '';
      s.points.forEach(([x, y], i) => {
        if (i === 0) d += 'M' + X(x) + ',' + Y(y);
        else if (s.step) d += 'H' + X(x) + 'V' + Y(y);
        else d += 'L' + X(x) + ',' + Y(y);
      });
      root.append(svg('path', { d, fill: 'none', stroke: s.color, 'stroke-width': s.width || 1.8,
                                'stroke-dasharray': s.dash || '' }));
    } else {
      for (const [x, y] of s.points) root.append(svg('circle', { cx: X(x), cy: Y(y), r: s.r || 3, fill: s.color }));
    }
  }
  const wrap = el('div', {}, root);
  if (series.length > 1 || opts.legend) {
    wrap.prepend(el('div', { class: 'legend' }, ...series.map(s => el('span', {}, el('i', { style: 'background:' + s.color }), s.name))));
  }
  wrap.chart = { X, Y, root, m, W, H };
  return wrap;
}
// The empirical CDF of values as step points (x, share of values <= x).
function cdfPoints(values, total) {
  const v = values.filter(x => x !== null && !Number.isNaN(x)).sort((a, b) => a - b);
  const n = total || v.length;
  const pts = [[v.length ? Math.min(0, v[0]) : 0, 0]];
  v.forEach((x, i) => pts.push([x, (i + 1) / n]));
  return pts;
}
function barChart(bars, opts) {
  const W = opts.width || 420, H = opts.height || 220, m = { l: 50, r: 10, t: 10, b: 46 };
  const yMax = opts.yMax || Math.max(...bars.map(b => b.value || 0), 1e-9) * 1.12;  // room for the labels
  const bw = (W - m.l - m.r) / Math.max(bars.length, 1);
  const Y = y => H - m.b - (H - m.t - m.b) * y / yMax;
  const root = svg('svg', { width: W, height: H });
  const axis = svg('g', { class: 'axis' });
  for (const t of niceTicks(0, yMax, 4)) {
    axis.append(svg('line', { class: 'grid', x1: m.l, x2: W - m.r, y1: Y(t), y2: Y(t) }));
    axis.append(svg('text', { x: m.l - 6, y: Y(t) + 4, 'text-anchor': 'end' }, opts.percent ? pct(t) : fmt(t)));
  }
  root.append(axis);
  bars.forEach((b, i) => {
    const v = b.value || 0;
    root.append(svg('rect', { x: m.l + i * bw + bw * 0.15, y: Y(v), width: bw * 0.7, height: Math.max(0, Y(0) - Y(v)),
                             fill: b.color || colorOf(i) }, svg('title', {}, b.label + ': ' + (opts.percent ? pct(v) : fmt(v)))));
    root.append(svg('text', { x: m.l + (i + 0.5) * bw, y: Y(v) - 3, 'text-anchor': 'middle' }, b.value === null ? 'n/a' : opts.percent ? pct(v) : fmt(v)));
    root.append(svg('text', { x: m.l + (i + 0.5) * bw, y: H - m.b + 14, 'text-anchor': 'middle' }, b.label));
  });
  return root;
}

