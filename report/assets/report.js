// peerlab report: draws a run directory's files (embedded by `peerlab report` as data blocks)
// into sections. Plain DOM, SVG and canvas; nothing is fetched. The page's script is this
// file, then charts.js (SVG line and bar charts), then viewer.js (the propagation viewer). docs/report.md describes what is shown.
'use strict';

// ---- The run's files --------------------------------------------------------------------

const Run = (() => {
  const index = JSON.parse(document.getElementById('run-files').textContent);
  const cache = {};
  // The file's text as written by the run, or null when the run has none (or it was too large).
  function text(name) {
    const el = document.querySelector('script.run-file[data-name="' + name + '"]');
    if (!el) return null;
    const raw = el.textContent;
    // `peerlab report` wrote `\` as `\\` and `<` as `\l` (report.cpp, EscapeText).
    return el.dataset.escaped ? raw.replace(/\\([\\l])/g, (m, c) => (c === 'l' ? '<' : '\\')) : raw;
  }
  function json(name) {
    if (!(name in cache)) { const t = text(name); cache[name] = t === null ? null : JSON.parse(t); }
    return cache[name];
  }
  function csv(name) {
    if (!(name in cache)) { const t = text(name); cache[name] = t === null ? null : parseCsv(t); }
    return cache[name];
  }
  return { index, text, json, csv };
})();

// RFC 4180 CSV: the header's names, then rows of strings (an empty field is null). A table
// without quotes (most of peerlab's) takes the fast path.
function parseCsv(text) {
  const rows = [];
  if (text.indexOf('"') < 0) {
    const lines = text.split('\n');
    for (const line of lines) {
      if (line === '') continue;
      rows.push(line.replace(/\r$/, '').split(',').map(v => (v === '' ? null : v)));
    }
  } else {
    let row = [], field = '', quoted = false, i = 0, wasQuoted = false;
    while (i < text.length) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (c === '"') { quoted = false; i++; continue; }
        field += c; i++; continue;
      }
      if (c === '"') { quoted = true; wasQuoted = true; i++; continue; }
      if (c === ',' || c === '\n') {
        row.push(field === '' && !wasQuoted ? null : field);
        field = ''; wasQuoted = false;
        if (c === '\n') { rows.push(row); row = []; }
        i++; continue;
      }
      if (c !== '\r') field += c;
      i++;
    }
    if (field !== '' || row.length) { row.push(field === '' && !wasQuoted ? null : field); rows.push(row); }
  }
  const columns = rows.shift() || [];
  const at = {};
  columns.forEach((name, i) => { at[name] = i; });
  return {
    columns, rows,
    has: name => name in at,
    str: (row, name) => (name in at ? row[at[name]] : null),
    num: (row, name) => { const v = name in at ? row[at[name]] : null; return v === null ? null : Number(v); },
  };
}

// ---- Small helpers ----------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
const SVGNS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
function fmt(v, digits) {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const d = digits === undefined ? 3 : digits;
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(Math.max(d, 1))).toString();
}
function pct(v) { return v === null || v === undefined ? '–' : (100 * v).toFixed(1) + ' %'; }
function quantile(sorted, q) {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
const PALETTE = ['#2a6fdb', '#e0782b', '#2e8b57', '#c8392f', '#8e5bc9', '#1f9fb0', '#b8860b',
                 '#d4579b', '#6b7f2a', '#5d6878'];
function colorOf(i) { return PALETTE[i % PALETTE.length]; }

function cards(pairs) {
  return el('div', { class: 'cards' }, ...pairs.filter(p => p[1] !== undefined).map(([k, v]) =>
    el('div', { class: 'card' }, el('div', { class: 'v', text: v }), el('div', { class: 'k', text: k }))));
}
// A table from column names and rows of values (numbers right-aligned).
function table(columns, rows) {
  const t = el('table');
  t.append(el('tr', {}, ...columns.map(c => el('th', { text: c }))));
  for (const r of rows) {
    t.append(el('tr', {}, ...r.map(v => el('td', { class: typeof v === 'number' ? 'num' : '', text: fmt(v) }))));
  }
  return t;
}
// Any JSON value as nested key/value tables (objects) and lists.
function jsonTable(value) {
  if (value === null || typeof value !== 'object') return document.createTextNode(fmt(value));
  if (Array.isArray(value)) {
    if (value.every(v => v === null || typeof v !== 'object')) {
      const nums = value.filter(v => typeof v === 'number').sort((a, b) => a - b);
      if (value.length > 24 && nums.length === value.length) {
        // A long list of numbers (a spectrum, per-node values): its spread, the list on demand.
        return details(value.length + ' values: min ' + fmt(nums[0]) + ', median ' + fmt(quantile(nums, 0.5)) + ', max ' + fmt(nums[nums.length - 1]),
          el('div', { class: 'note', text: value.map(v => fmt(v)).join(', ') }));
      }
      return document.createTextNode(value.map(v => fmt(v)).join(', ') || '[]');
    }
    const list = el('div');
    value.forEach((v, i) => list.append(el('div', { class: 'note', text: '[' + i + ']' }), jsonTable(v)));
    return list;
  }
  const t = el('table');
  for (const [k, v] of Object.entries(value)) {
    t.append(el('tr', {}, el('th', { text: k }), el('td', { class: typeof v === 'number' ? 'num' : '' }, jsonTable(v))));
  }
  return t;
}
function details(summaryText, content) { return el('details', {}, el('summary', { text: summaryText }), content); }

// ---- Sections ---------------------------------------------------------------------------

const Report = { sections: [] };
function section(id, title, ...content) {
  const s = el('section', { id }, el('h2', { text: title }), ...content);
  document.getElementById('main').append(s);
  document.getElementById('toc').append(el('a', { href: '#' + id, text: title }));
  return s;
}
// Runs one section's builder; a failure there is recorded (window error list) without
// hiding the other sections.
function build(name, fn) {
  try { fn(); } catch (e) {
    window.peerlabErrors.push(name + ': ' + (e && e.stack ? e.stack : e));
    const pre = document.getElementById('errors');
    pre.hidden = false; pre.textContent = window.peerlabErrors.join('\n');
  }
}

function buildOverview() {
  const manifest = Run.json('run.json'), summary = Run.json('summary.json');
  const parts = [];
  if (summary) {
    const b = summary.blocks || {}, p = summary.propagation_s || {};
    parts.push(cards([
      ['scenario', summary.scenario], ['seed', fmt(summary.seed)], ['backend', summary.backend],
      ['nodes', fmt(summary.nodes)], ['simulated time', summary.sim_time_s !== undefined ? fmt(summary.sim_time_s, 4) + ' s' : undefined],
      ['blocks mined', b.mined !== undefined ? fmt(b.mined) : undefined],
      ['stale rate', b.stale_rate !== undefined ? pct(b.stale_rate) : undefined],
      ['propagation p50 / p90', p.p50 !== undefined ? fmt(p.p50) + ' / ' + fmt(p.p90) + ' s' : undefined],
      ['reorgs', summary.reorgs ? fmt(summary.reorgs.count) : undefined],
      ['chain quality', summary.chain_quality !== undefined ? pct(summary.chain_quality) : undefined],
    ]));
    const c = summary.consensus;  // Tendermint runs
    if (c && typeof c === 'object') {
      const lat = c.commit_latency_s || {}, rounds = c.rounds_per_height || {};
      parts.push(cards([
        ['validators', c.validators !== undefined ? fmt(c.validators) : undefined],
        ['heights committed', c.heights_committed !== undefined ? fmt(c.heights_committed) : undefined],
        ['commit latency p50 / p90', lat.p50 !== undefined ? fmt(lat.p50) + ' / ' + fmt(lat.p90) + ' s' : undefined],
        ['rounds per height (mean)', rounds.mean !== undefined ? fmt(rounds.mean) : undefined],
        ['transactions committed', c.transactions_committed !== undefined ? fmt(c.transactions_committed) : undefined],
        ['safety', 'safety_violation' in c ? (c.safety_violation === null ? 'held' : 'VIOLATED') : undefined],
      ]));
    }
  }
  const files = Object.entries(Run.index).map(([name, f]) => [name, f.bytes, f.embedded ? 'embedded' : 'too large to embed']);
  parts.push(el('h3', { text: 'Files of the run' }), table(['file', 'bytes', ''], files));
  if (manifest) {
    const head = {};
    for (const [k, v] of Object.entries(manifest)) if (k !== 'resolved_scenario' && k !== 'scenario_text') head[k] = v;
    parts.push(el('h3', { text: 'Manifest (run.json)' }), jsonTable(head));
    if (manifest.resolved_scenario) parts.push(details('resolved scenario', el('pre', { text: JSON.stringify(manifest.resolved_scenario, null, 1) })));
  }
  if (summary) parts.push(el('h3', { text: 'Summary (summary.json)' }), details('every key of summary.json', jsonTable(summary)));
  if (!manifest && !summary) parts.push(el('p', { class: 'note', text: 'Neither run.json nor summary.json is in this run directory.' }));
  section('overview', 'Run', ...parts);
}

// blocks.csv as objects (null when the run wrote none).
function blocks() {
  const t = Run.csv('blocks.csv');
  if (!t) return null;
  return t.rows.map((r, i) => ({
    index: i, id: t.str(r, 'id'), height: t.num(r, 'height'), parent: t.str(r, 'parent'),
    group: t.str(r, 'miner_group') || t.str(r, 'miner') || '', miner: t.num(r, 'miner_node'),
    at: t.num(r, 'mined_at_s'), main: t.str(r, 'main_chain') === 'true', bytes: t.num(r, 'size_bytes'),
    reach: ['reach_50_s', 'reach_90_s', 'reach_99_s', 'reach_100_s'].map(c => t.num(r, c)),
    side: t.num(r, 'partition_side'),
  }));
}
function groupNames() {
  const s = Run.json('summary.json');
  const names = s && s.groups ? Object.keys(s.groups) : [];
  for (const b of blocks() || []) if (b.group && !names.includes(b.group)) names.push(b.group);
  return names;
}
function partitionBands() {
  const s = Run.json('summary.json');
  return (s && s.partitions || []).map((p, i) => ({ from: p.at_s, to: p.healed_at_s === null || p.healed_at_s === undefined ? (s.sim_time_s || p.at_s) : p.healed_at_s,
    label: 'partition ' + i + ' (' + (p.mode || '') + ')' }));
}

function buildPropagation() {
  const bs = blocks();
  const reach = Reach.load();
  const heights = Run.csv('heights.csv');
  if (!bs && !heights) return;
  const parts = [];
  if (bs && bs.length) {
    const labels = ['50 %', '90 %', '99 %', '100 %'];
    const series = labels.map((l, k) => ({ name: 'to ' + l + ' of nodes', color: colorOf(k), step: true,
      points: cdfPoints(bs.map(b => b.reach[k]), bs.length) }));
    if (reach) series.push({ name: 'every (block, node) arrival', color: '#222', step: true, dash: '4 3', points: Reach.pooledCdf() });
    parts.push(el('h3', { text: 'Over all blocks: share of blocks (or arrivals) by time from mining' }),
      lineChart(series, { xLabel: 'seconds after mining', yLabel: 'share', yMax: 1, width: 640 }));
    // One block at a time.
    const pick = el('select');
    bs.forEach(b => pick.append(el('option', { value: b.index, text: '#' + b.index + ' height ' + b.height + (b.main ? '' : ' (stale)') + ' by ' + b.group })));
    const holder = el('div');
    const draw = () => {
      const b = bs[Number(pick.value)];
      const pts = reach ? Reach.blockCdf(b.index) : [[0, 0]].concat(b.reach.map((v, k) => [v, [0.5, 0.9, 0.99, 1][k]]).filter(p => p[0] !== null));
      holder.replaceChildren(lineChart([{ name: reach ? 'nodes with the block (reach.csv)' : 'reach thresholds (blocks.csv)', color: colorOf(0), step: !!reach, dots: !reach, r: 4, points: pts }],
        { xLabel: 'seconds after mining', yLabel: 'share of nodes', yMax: 1, width: 640, legend: true }));
    };
    pick.addEventListener('change', draw);
    draw();
    parts.push(el('h3', { text: 'One block' }), el('div', { class: 'controls' }, 'block ', pick), holder);
    if (!reach) parts.push(el('p', { class: 'note', text: 'Per-node arrival times need reach.csv (outputs: [..., reach]); this run has the thresholds of blocks.csv only.' }));
  }
  if (heights) {
    const rows = heights.rows;
    const series = [['to_50_s', '50 %'], ['to_90_s', '90 %'], ['to_all_s', 'all']].filter(([c]) => heights.has(c)).map(([c, l], k) => ({
      name: 'commit by ' + l + ' of nodes', color: colorOf(k), step: true, points: cdfPoints(rows.map(r => heights.num(r, c)), rows.length) }));
    parts.push(el('h3', { text: 'Heights: time from proposal until a share of the nodes committed (heights.csv)' }),
      lineChart(series, { xLabel: 'seconds after the proposal', yLabel: 'share of heights', yMax: 1, width: 640 }));
  }
  section('propagation', 'Propagation', ...parts);
}

// The fork tree: the main chain on the bottom lane, each stale branch on its own lane above.
function buildForks() {
  const bs = blocks(), summary = Run.json('summary.json'), heights = Run.csv('heights.csv');
  const parts = [];
  if (bs && bs.length) {
    const byId = new Map(bs.map(b => [b.id, b]));
    const laneEnd = [Infinity];  // per lane: time its last block was mined (lane 0: main chain)
    for (const b of bs) {
      const parent = byId.get(b.parent);
      if (b.main) { b.lane = 0; continue; }
      if (parent && !parent.main && parent.lane > 0 && laneEnd[parent.lane] === parent.at) { b.lane = parent.lane; laneEnd[b.lane] = b.at; continue; }
      let lane = 1;
      while (lane < laneEnd.length && laneEnd[lane] >= (parent ? parent.at : b.at)) lane++;
      b.lane = lane; laneEnd[lane] = b.at;
    }
    const lanes = laneEnd.length, groups = groupNames();
    const W = Math.min(6000, Math.max(900, bs.length * 14)), H = 70 + lanes * 26;
    const tMax = bs.reduce((m, b) => Math.max(m, b.at), -Infinity), first = bs.reduce((m, b) => Math.min(m, b.at), Infinity);
    const tMin = Math.max(0, first - 0.05 * (tMax - first) - 1);
    const X = t => 50 + (W - 70) * (t - tMin) / ((tMax - tMin) || 1), Y = lane => H - 40 - lane * 26;
    const root = svg('svg', { width: W, height: H });
    for (const band of partitionBands()) {
      root.append(svg('rect', { x: X(band.from), y: 4, width: Math.max(2, X(Math.min(band.to, tMax)) - X(band.from)), height: H - 40, fill: '#fbe3e1' }, svg('title', {}, band.label)));
    }
    const axis = svg('g', { class: 'axis' });
    for (const t of niceTicks(tMin, tMax, Math.max(4, Math.floor(W / 120)))) {
      axis.append(svg('line', { class: 'grid', x1: X(t), x2: X(t), y1: 4, y2: H - 36 }));
      axis.append(svg('text', { x: X(t), y: H - 22, 'text-anchor': 'middle' }, fmt(t) + ' s'));
    }
    axis.append(svg('text', { x: 4, y: Y(0) + 4 }, 'main'));
    root.append(axis);
    for (const b of bs) {
      const p = byId.get(b.parent);
      if (p) root.append(svg('line', { x1: X(p.at), y1: Y(p.lane), x2: X(b.at), y2: Y(b.lane), stroke: b.main ? '#8a94a3' : '#c8392f', 'stroke-width': 1.2 }));
    }
    for (const b of bs) {
      root.append(svg('circle', { cx: X(b.at), cy: Y(b.lane), r: 5, fill: colorOf(Math.max(0, groups.indexOf(b.group))), stroke: b.main ? 'none' : '#c8392f', 'stroke-width': 2 },
        svg('title', {}, '#' + b.index + ' height ' + b.height + ', ' + b.group + ' node ' + fmt(b.miner) + ', mined ' + fmt(b.at, 6) + ' s' + (b.main ? '' : ', stale'))));
    }
    parts.push(el('p', { class: 'note', text: bs.length + ' blocks, ' + bs.filter(b => !b.main).length + ' stale on ' + (lanes - 1) + ' side lanes; colour: miner group; red ring: off the main chain; shaded: partitions.' }),
      el('div', { class: 'legend' }, ...groups.map((g, i) => el('span', {}, el('i', { style: 'background:' + colorOf(i) }), g))),
      el('div', { class: 'scroll' }, root));
  }
  if (summary && summary.reorgs && summary.reorgs.depth_histogram && Object.keys(summary.reorgs.depth_histogram).length) {
    const h = summary.reorgs.depth_histogram;
    parts.push(el('h3', { text: 'Reorganisations (all nodes): ' + fmt(summary.reorgs.count) + ', deepest ' + fmt(summary.reorgs.max_depth) }),
      barChart(Object.entries(h).map(([d, n]) => ({ label: 'depth ' + d, value: n })), { width: 80 + 70 * Object.keys(h).length }));
  }
  if (heights && heights.rows.length) {
    const rows = heights.rows;
    const pts = rows.map(r => [heights.num(r, 'first_commit_s'), heights.num(r, 'height'), heights.num(r, 'round')]).filter(p => p[0] !== null);
    const series = [{ name: 'committed in round 0', color: colorOf(0), dots: true, points: pts.filter(p => !p[2]) },
                    { name: 'needed later rounds', color: '#c8392f', dots: true, r: 4, points: pts.filter(p => p[2] > 0) }];
    parts.push(el('h3', { text: 'Heights over time (heights.csv): first commit of each height' }),
      lineChart(series, { xLabel: 'seconds', yLabel: 'height', width: 760, bands: partitionBands() }));
  }
  if (parts.length) section('forks', bs ? 'Blocks and forks' : 'Heights', ...parts);
}

function buildTables() {
  const summary = Run.json('summary.json'), nodes = Run.csv('nodes.csv');
  const parts = [];
  if (summary && summary.groups && Object.keys(summary.groups).length) {
    const cols = [];
    for (const g of Object.values(summary.groups)) for (const k of Object.keys(g)) if (!cols.includes(k) && (g[k] === null || typeof g[k] !== 'object')) cols.push(k);
    parts.push(el('h3', { text: 'Groups' }), table(['group'].concat(cols), Object.entries(summary.groups).map(([n, g]) => [n].concat(cols.map(c => g[c] === undefined ? null : g[c])))));
  }
  if (nodes && nodes.has('region')) {
    const regions = new Map();
    const regionOfNode = [];
    for (const r of nodes.rows) {
      const name = nodes.str(r, 'region') || '?';
      if (!regions.has(name)) regions.set(name, { nodes: 0, hashrate: 0, online: 0, mined: 0, delays: [] });
      const g = regions.get(name);
      g.nodes++; g.hashrate += nodes.num(r, 'hashrate') || 0;
      if (nodes.str(r, 'online') !== 'false') g.online++;
      regionOfNode[nodes.num(r, 'node')] = name;
    }
    for (const b of blocks() || []) if (b.miner !== null && regionOfNode[b.miner] !== undefined) regions.get(regionOfNode[b.miner]).mined++;
    const reach = Reach.load();
    if (reach) for (let i = 0; i < reach.n; i++) { const name = regionOfNode[reach.node[i]]; if (name !== undefined) regions.get(name).delays.push(reach.after[i]); }
    const cols = ['region', 'nodes', 'hashrate', 'online at end', 'blocks mined'].concat(reach ? ['arrival p50 (s)', 'arrival p90 (s)'] : []);
    const rows = [...regions.entries()].map(([n, g]) => {
      const row = [n, g.nodes, Number(g.hashrate.toFixed(4)), g.online, g.mined];
      if (reach) { const d = g.delays.sort((a, b) => a - b); row.push(quantile(d, 0.5), quantile(d, 0.9)); }
      return row;
    });
    parts.push(el('h3', { text: 'Regions (nodes.csv' + (reach ? ', reach.csv' : '') + ')' }), table(cols, rows));
  }
  // Transaction classes of summary.json (both families; a censored class stands out here): the
  // plain figures, then p50 / p90 of each distribution.
  const classes = summary && summary.transactions && summary.transactions.classes;
  if (classes && Object.keys(classes).length) {
    const plain = [], dists = [];
    for (const c of Object.values(classes)) {
      for (const [k, v] of Object.entries(c)) {
        if (v && typeof v === 'object') { if (!dists.includes(k)) dists.push(k); } else if (!plain.includes(k)) plain.push(k);
      }
    }
    const cols = ['class'].concat(plain, ...dists.map(d => [d + ' p50', d + ' p90']));
    const rows = Object.entries(classes).map(([n, c]) => [n].concat(plain.map(k => (c[k] === undefined ? null : c[k])),
      ...dists.map(d => [c[d] ? c[d].p50 : null, c[d] ? c[d].p90 : null])));
    parts.push(el('h3', { text: 'Transaction classes (summary.json)' }), table(cols, rows));
  }
  const tx = Run.csv('transactions.csv');
  if (tx && tx.rows.length) {
    const classes = [...new Set(tx.rows.map(r => tx.str(r, 'class')))];
    const series = classes.map((c, k) => {
      const rows = tx.rows.filter(r => tx.str(r, 'class') === c);
      return { name: c + ' (' + rows.length + ')', color: colorOf(k), step: true, points: cdfPoints(rows.map(r => tx.num(r, 'inclusion_delay_s')), rows.length) };
    });
    parts.push(el('h3', { text: 'Transactions: inclusion delay by class (transactions.csv; never included: the curve stays below 1)' }),
      lineChart(series, { xLabel: 'seconds from creation to inclusion', yLabel: 'share of transactions', yMax: 1, width: 640, legend: true }));
  }
  if (parts.length) section('tables', 'Groups, regions, transactions', ...parts);
}

// Which partition side each node was on, from the scenario's selectors (region, group, AS,
// nodes, rest); a hashrate selector cannot be replayed here, its side is left unknown.
function partitionSides(event, nodes) {
  const side = new Array(nodes.rows.length).fill(-1);
  let unknown = false, restSide = -1;
  event.sides.forEach((sel, s) => {
    for (const item of sel) {
      if (item === 'rest') { restSide = s; continue; }
      nodes.rows.forEach((r, i) => {
        if ((item.region !== undefined && [].concat(item.region).includes(nodes.str(r, 'region'))) ||
            (item.group !== undefined && [].concat(item.group).includes(nodes.str(r, 'group'))) ||
            (item.as !== undefined && [].concat(item.as).includes(nodes.num(r, 'as'))) ||
            (item.nodes !== undefined && [].concat(item.nodes).includes(nodes.num(r, 'node')))) side[i] = s;
      });
      if (item.hashrate !== undefined) unknown = true;
    }
  });
  if (restSide >= 0 && !unknown) for (let i = 0; i < side.length; i++) if (side[i] < 0) side[i] = restSide;
  return { side, unknown };
}

function buildTopology() {
  const nodes = Run.csv('nodes.csv'), edges = Run.csv('edges.csv'), manifest = Run.json('run.json');
  if (!nodes || !edges || !nodes.has('region')) return;
  const events = manifest && manifest.resolved_scenario && manifest.resolved_scenario.events || [];
  const partitions = events.filter(e => e.kind === 'partition' && Array.isArray(e.sides));
  const map = RegionMap.create(nodes);
  const parts = [];
  const counts = new Map();
  for (const r of edges.rows) {
    const a = map.regionIndex[edges.num(r, 'source')], b = map.regionIndex[edges.num(r, 'target')];
    if (a === undefined || b === undefined) continue;
    const key = Math.min(a, b) + ',' + Math.max(a, b);
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const sidesList = partitions.map(p => partitionSides(p, nodes));
  const chooser = el('select');
  chooser.append(el('option', { value: -1, text: 'no partition (final connection graph)' }));
  partitions.forEach((p, i) => chooser.append(el('option', { value: i, text: 'partition ' + i + ' at ' + p.at + ' (' + p.sides.length + ' sides)' })));
  const canvas = el('canvas', { width: 900, height: 460 });
  const info = el('div', { class: 'note' });
  const draw = () => {
    const k = Number(chooser.value);
    const sides = k >= 0 ? sidesList[k] : null;
    map.draw(canvas, { regionEdges: counts, nodeColor: sides ? (i => sides.side[i] < 0 ? '#b0b6bf' : colorOf(sides.side[i])) : null });
    if (sides) {
      let cut = 0;
      const pairCut = new Map();
      for (const r of edges.rows) {
        const s = nodes.rows.length ? sides.side[edges.num(r, 'source')] : -1, t = sides.side[edges.num(r, 'target')];
        if (s >= 0 && t >= 0 && s !== t) { cut++; const key = Math.min(s, t) + '-' + Math.max(s, t); pairCut.set(key, (pairCut.get(key) || 0) + 1); }
      }
      const sizes = partitions[k].sides.map((_, s) => sides.side.filter(x => x === s).length);
      info.textContent = 'Side sizes: ' + sizes.map((n, s) => 'side ' + s + ' ' + n).join(', ') + '. Connections of the final graph crossing the sides (cut by it): ' + cut +
        (pairCut.size ? ' (' + [...pairCut.entries()].map(([p, n]) => p + ': ' + n).join(', ') + ')' : '') + (sides.unknown ? '. A hashrate selector is not replayed here: grey nodes unknown.' : '.');
      map.drawCutEdges(canvas, edges, sides.side);
    } else {
      info.textContent = edges.rows.length + ' connections among ' + nodes.rows.length + ' nodes; line width: connections between two regions (or within one: ring).';
    }
  };
  chooser.addEventListener('change', draw);
  parts.push(partitions.length ? el('div', { class: 'controls' }, 'colour nodes by ', chooser) : null, canvas, info);
  section('topology', 'Topology by region', ...parts);
  draw();
  if (partitions.length) { chooser.value = '0'; draw(); }
}

// Selfish mining's revenue by Eyal and Sirer (2014), eq. 8: the pool's share of main-chain
// blocks for hashrate alpha and tie-winning share gamma.
function selfishRevenue(a, g) {
  return (a * (1 - a) * (1 - a) * (4 * a + g * (1 - 2 * a)) - a * a * a) / (1 - a * (1 + (2 - a) * a));
}

function buildAttacks() {
  const summary = Run.json('summary.json'), manifest = Run.json('run.json');
  const adv = summary && summary.adversaries;
  if (!adv || typeof adv !== 'object' || !Object.keys(adv).length) return;
  const groupsCfg = manifest && manifest.resolved_scenario && manifest.resolved_scenario.groups || {};
  const parts = [];
  for (const [name, a] of Object.entries(adv)) {
    const box = el('div', {}, el('h3', { text: name + ': ' + (a.kind || 'strategy') }));
    const row = el('div', { class: 'row' });
    const strategy = groupsCfg[name] && groupsCfg[name].strategy || {};
    if (a.revenue_share !== undefined && a.hashrate !== undefined) {
      const bars = [{ label: 'hashrate', value: a.hashrate, color: '#8a94a3' }, { label: 'revenue', value: a.revenue_share, color: colorOf(0) }];
      if (a.kind === 'selfish-mining' && a.hashrate < 0.5) {
        const g = typeof strategy.gamma === 'number' ? strategy.gamma : null;
        if (g !== null) bars.push({ label: 'theory γ=' + fmt(g), value: selfishRevenue(a.hashrate, g), color: colorOf(1) });
        if (a.observed_gamma !== null && a.observed_gamma !== undefined) bars.push({ label: 'theory γ obs', value: selfishRevenue(a.hashrate, a.observed_gamma), color: colorOf(2) });
      }
      row.append(el('div', {}, el('div', { class: 'note', text: 'Revenue (share of main-chain blocks) vs hashrate' + (a.kind === 'selfish-mining' ? ' and Eyal–Sirer theory' : '') }),
        barChart(bars, { percent: true, width: 110 * bars.length + 60, yMax: Math.max(...bars.map(b => b.value || 0)) * 1.15 })));
      if (a.kind === 'selfish-mining' && a.observed_gamma !== null && a.observed_gamma !== undefined) {
        const curve = [], honest = [];
        for (let x = 0; x <= 0.5; x += 0.01) { curve.push([x, Math.max(0, selfishRevenue(x, a.observed_gamma))]); honest.push([x, x]); }
        row.append(lineChart([{ name: 'theory at observed γ = ' + fmt(a.observed_gamma), color: colorOf(2), points: curve },
                              { name: 'honest mining', color: '#8a94a3', dash: '4 3', points: honest },
                              { name: 'this run', color: '#c8392f', dots: true, r: 5, points: [[a.hashrate, a.revenue_share]] }],
          { xLabel: 'attacker hashrate α', yLabel: 'revenue share', yMax: 1, xMax: 0.5, width: 420, height: 260 }));
      }
    }
    if (a.attempts !== undefined) {
      row.append(el('div', {}, el('div', { class: 'note', text: 'Double-spend attempts' }),
        barChart([{ label: 'attempts', value: a.attempts }, { label: 'published', value: a.published }, { label: 'succeeded', value: a.successes, color: '#c8392f' }], { width: 300 })));
    }
    if (a.censored_tx_delay_blocks || a.censored_tx_delay_s) {
      // The delay's distribution ({mean, p50, p90, p99}) in seconds and in blocks, side by side.
      for (const [d, unit] of [[a.censored_tx_delay_s, 's'], [a.censored_tx_delay_blocks, 'blocks']]) {
        if (!d || typeof d !== 'object') continue;
        row.append(el('div', {}, el('div', { class: 'note', text: 'Inclusion delay of the ' + fmt(a.censored_txs) + ' censored transactions (' + unit + ')' }),
          barChart(Object.entries(d).map(([label, value], i) => ({ label, value, color: colorOf(i) })), { width: 300 })));
      }
    }
    if (a.restart_at_s !== undefined) {
      const end = summary.sim_time_s || a.restart_at_s;
      const marks = [[0, 'start'], [a.restart_at_s, 'victim restarts']];
      if (a.eclipsed_at_s !== null && a.eclipsed_at_s !== undefined) marks.push([a.eclipsed_at_s, 'eclipsed: every outbound is the attacker']);
      marks.push([end, 'end']);
      const W = 620, root = svg('svg', { width: W, height: 90 });
      const X = t => 20 + (W - 40) * t / (end || 1);
      root.append(svg('line', { x1: X(0), x2: X(end), y1: 40, y2: 40, stroke: '#8a94a3', 'stroke-width': 2 }));
      if (a.eclipsed_at_s !== null && a.eclipsed_at_s !== undefined) root.append(svg('rect', { x: X(a.eclipsed_at_s), y: 33, width: Math.max(2, X(end) - X(a.eclipsed_at_s)), height: 14, fill: '#fbe3e1' }));
      marks.forEach(([t, label], i) => {
        root.append(svg('circle', { cx: X(t), cy: 40, r: 5, fill: i === 2 && marks.length === 4 ? '#c8392f' : colorOf(0) }));
        root.append(svg('text', { x: X(t), y: i % 2 ? 70 : 22, 'text-anchor': i === 0 ? 'start' : i === marks.length - 1 ? 'end' : 'middle' }, label + ' (' + fmt(t, 5) + ' s)'));
      });
      row.append(el('div', {}, el('div', { class: 'note', text: 'Eclipse timeline of victim node ' + a.victim + (a.eclipsed === false ? ' (never eclipsed)' : '') }), root));
      const shares = [['outbound to attacker', a.victim_outbound_attacker_share], ['addrman new: attacker', a.addrman_attacker_share_new],
        ['addrman tried: attacker', a.addrman_attacker_share_tried], ['addrman new: trash', a.addrman_trash_share_new]].filter(([, v]) => v !== undefined);
      if (shares.length) {
        row.append(el('div', {}, el('div', { class: 'note', text: 'The victim\'s view: shares held by the attacker' }),
          barChart(shares.map(([label, value], i) => ({ label, value, color: colorOf(i + 3) })), { percent: true, yMax: 1, width: 130 * shares.length + 60 })));
      }
    }
    box.append(row, details('every figure of ' + name, jsonTable(a)));
    parts.push(box);
  }
  section('attacks', 'Attacks', ...parts);
}

function buildAnalysis() {
  const a = Run.json('analysis.json');
  if (!a) return;
  const t = a.topology || {};
  const value = x => (x && typeof x === 'object' && 'value' in x ? x.value : x);
  const figures = [['nodes', t.nodes], ['edges', t.edges], ['components', t.components && t.components.count],
    ['vertex connectivity', value(t.vertex_connectivity)], ['edge connectivity', value(t.edge_connectivity)],
    ['algebraic connectivity', value(t.algebraic_connectivity)], ['spectral gap', value(t.spectral_gap)],
    ['diameter', value(t.diameter)], ['mean shortest path', value(t.mean_shortest_path)]]
    .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object').map(([k, v]) => [k, fmt(v)]);
  section('analysis', 'Analysis (analysis.json)', el('p', { class: 'note', text: 'Topology metrics of the final connection graph, written by peerlab analyze RUN_DIR (docs/analysis.md).' }),
    cards(figures), details('every figure of analysis.json', jsonTable(a)));
}

function buildTendermintExtras() {
  const heights = Run.csv('heights.csv');
  if (!heights || !heights.has('proposer_group')) return;
  const by = new Map();
  for (const r of heights.rows) {
    const g = heights.str(r, 'proposer_group') || '?';
    if (!by.has(g)) by.set(g, { heights: 0, txs: 0, rounds: 0 });
    const x = by.get(g); x.heights++; x.txs += heights.num(r, 'txs') || 0; x.rounds += heights.num(r, 'round') || 0;
  }
  section('proposers', 'Proposers (heights.csv)', table(['proposer group', 'heights', 'transactions', 'extra rounds'], [...by.entries()].map(([g, x]) => [g, x.heights, x.txs, x.rounds])));
}

window.addEventListener('DOMContentLoaded', () => {
  document.getElementById('noscript').remove();
  document.getElementById('run-name').textContent = document.title.replace(/^peerlab report: /, '');
  build('overview', buildOverview);
  build('propagation', buildPropagation);
  build('forks', buildForks);
  build('viewer', () => Viewer.build());
  build('tables', buildTables);
  build('topology', buildTopology);
  build('attacks', buildAttacks);
  build('proposers', buildTendermintExtras);
  build('analysis', buildAnalysis);
  const finish = () => { if (!window.peerlabErrors.length) document.body.dataset.status = 'ok'; else document.body.dataset.status = 'error'; };
  if (location.hash.startsWith('#selftest') || location.hash.startsWith('#viewer')) build('selftest', () => Viewer.selfTest(finish)); else finish();
});
