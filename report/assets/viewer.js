// peerlab report, part two: reach.csv in typed arrays, the map of regions (canvas) and the
// propagation viewer (pick a block, play, pause, scrub). Follows report.js in the page.
'use strict';

// reach.csv (block, node, after_us; ordered by block, then time) as typed arrays, with each
// block's first row, so a block's arrivals are one contiguous slice.
const Reach = (() => {
  let data;
  function load() {
    if (data !== undefined) return data;
    const text = Run.text('reach.csv');
    if (text === null) { data = null; return data; }
    const lines = text.split('\n');
    const n = lines.length;
    const block = new Int32Array(n), node = new Int32Array(n), after = new Float64Array(n);
    let k = 0;
    for (let i = 1; i < n; i++) {
      const line = lines[i];
      if (!line) continue;
      const a = line.indexOf(','), b = line.indexOf(',', a + 1);
      block[k] = +line.slice(0, a); node[k] = +line.slice(a + 1, b); after[k] = +line.slice(b + 1) / 1e6;
      k++;
    }
    const start = new Map();  // block -> [first row, end row)
    for (let i = 0; i < k; i++) {
      if (!start.has(block[i])) start.set(block[i], [i, i]);
      start.get(block[i])[1] = i + 1;
    }
    data = { n: k, block, node, after, start };
    return data;
  }
  function nodeCount() {
    const nodes = Run.csv('nodes.csv');
    return nodes ? nodes.rows.length : null;
  }
  // Share of nodes by time after mining, for one block (step points).
  function blockCdf(b) {
    const d = load(), range = d.start.get(b);
    const total = nodeCount() || (range ? range[1] - range[0] : 1);
    const pts = [[0, 0]];
    if (range) for (let i = range[0]; i < range[1]; i++) pts.push([d.after[i], (i - range[0] + 1) / total]);
    return pts;
  }
  // Every (block, node) arrival pooled, thinned to at most 2,000 points for drawing.
  function pooledCdf() {
    const d = load();
    const all = Float64Array.from(d.after.subarray(0, d.n)).sort();
    const blocks = d.start.size, total = (nodeCount() || 1) * Math.max(blocks, 1);
    const step = Math.max(1, Math.floor(all.length / 2000));
    const pts = [[0, 0]];
    for (let i = 0; i < all.length; i += step) pts.push([all[i], (i + 1) / total]);
    if (all.length) pts.push([all[all.length - 1], all.length / total]);
    return pts;
  }
  return { load, blockCdf, pooledCdf };
})();

// Where regions go on the map: longitude and latitude of the region's centre for the names
// peerlab's region tables use; others are placed on a circle.
const KNOWN_REGIONS = {
  'north-america': [-98, 40], 'europe': [12, 50], 'south-america': [-60, -15], 'asia-pacific': [105, 15],
  'japan': [138, 37], 'australia': [134, -25], 'africa': [20, 3], 'asia': [90, 35], 'china': [110, 33],
  'russia': [60, 58], 'middle-east': [45, 28], 'india': [78, 22],
};

const RegionMap = {
  // Places each node of nodes.csv in a disc around its region's point (a sunflower spiral, so
  // the layout is the same on every load).
  create(nodes) {
    const names = [], regionIndex = [], members = [];
    for (const r of nodes.rows) {
      const name = nodes.str(r, 'region') || '?';
      let k = names.indexOf(name);
      if (k < 0) { k = names.length; names.push(name); members.push([]); }
      const id = nodes.num(r, 'node');
      regionIndex[id] = k;
      members[k].push(id);
    }
    const unknown = names.filter(n => !(n in KNOWN_REGIONS));
    const pos = names.map(n => {
      if (n in KNOWN_REGIONS) return { lon: KNOWN_REGIONS[n][0], lat: KNOWN_REGIONS[n][1] };
      const a = 2 * Math.PI * unknown.indexOf(n) / Math.max(unknown.length, 1);
      return { lon: 120 * Math.cos(a), lat: 45 * Math.sin(a) };
    });
    const maxMembers = Math.max(...members.map(m => m.length), 1);
    const offset = [];  // per node: [dx, dy] in units of its region's radius
    const radius = members.map(m => 0.3 + 0.7 * Math.sqrt(m.length / maxMembers));
    members.forEach(list => list.forEach((id, j) => {
      const r = Math.sqrt((j + 0.5) / list.length), a = j * 2.399963;
      offset[id] = [r * Math.cos(a), r * Math.sin(a)];
    }));
    return {
      names, regionIndex, members, pos, radius,
      // Canvas coordinates of region k's centre and of node i.
      project(canvas, k) {
        const W = canvas.width, H = canvas.height;
        return [W * (pos[k].lon + 180) / 360, H * (90 - pos[k].lat * 1.15) / 180];
      },
      nodeXY(canvas, i) {
        const k = regionIndex[i], [cx, cy] = this.project(canvas, k), R = this.discRadius(canvas, k), o = offset[i];
        return [cx + R * o[0], cy + R * o[1]];
      },
      discRadius(canvas, k) { return canvas.height * 0.14 * radius[k]; },
      // Background, links between regions (width by connection count), region discs, nodes.
      draw(canvas, opts) {
        const ctx = canvas.getContext('2d'), W = canvas.width, H = canvas.height;
        ctx.clearRect(0, 0, W, H);
        ctx.strokeStyle = '#eceff3'; ctx.lineWidth = 1;
        for (let lon = -180; lon <= 180; lon += 30) { const x = W * (lon + 180) / 360; ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, H); ctx.stroke(); }
        for (let lat = -60; lat <= 60; lat += 30) { const y = H * (90 - lat * 1.15) / 180; ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(W, y); ctx.stroke(); }
        if (opts.regionEdges) {
          const maxCount = Math.max(...opts.regionEdges.values(), 1);
          for (const [key, count] of opts.regionEdges) {
            const [a, b] = key.split(',').map(Number);
            ctx.strokeStyle = 'rgba(42,111,219,0.35)'; ctx.lineWidth = 1 + 10 * count / maxCount;
            const [x1, y1] = this.project(canvas, a), [x2, y2] = this.project(canvas, b);
            ctx.beginPath();
            if (a === b) ctx.arc(x1, y1, this.discRadius(canvas, a) + 6, 0, 2 * Math.PI); else { ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); }
            ctx.stroke();
          }
        }
        names.forEach((name, k) => {
          const [x, y] = this.project(canvas, k), R = this.discRadius(canvas, k);
          ctx.fillStyle = 'rgba(93,104,120,0.08)'; ctx.beginPath(); ctx.arc(x, y, R + 3, 0, 2 * Math.PI); ctx.fill();
          ctx.fillStyle = '#1d2430'; ctx.font = '12px system-ui, sans-serif'; ctx.textAlign = 'center';
          ctx.fillText(name + ' (' + members[k].length + ')', x, y - R - 8);
        });
        const dot = Math.max(1.5, Math.min(3.5, 100 / Math.sqrt(regionIndex.length + 1)));
        for (let i = 0; i < regionIndex.length; i++) {
          if (regionIndex[i] === undefined) continue;
          const [x, y] = this.nodeXY(canvas, i);
          ctx.fillStyle = opts.nodeColor ? opts.nodeColor(i) : '#8a94a3';
          ctx.fillRect(x - dot / 2, y - dot / 2, dot, dot);
        }
      },
      // Connections between nodes on different sides, as thin red lines.
      drawCutEdges(canvas, edges, side) {
        const ctx = canvas.getContext('2d');
        ctx.strokeStyle = 'rgba(200,57,47,0.25)'; ctx.lineWidth = 0.7;
        ctx.beginPath();
        for (const r of edges.rows) {
          const s = edges.num(r, 'source'), t = edges.num(r, 'target');
          if (side[s] < 0 || side[t] < 0 || side[s] === side[t] || regionIndex[s] === undefined || regionIndex[t] === undefined) continue;
          const [x1, y1] = this.nodeXY(canvas, s), [x2, y2] = this.nodeXY(canvas, t);
          ctx.moveTo(x1, y1); ctx.lineTo(x2, y2);
        }
        ctx.stroke();
      },
    };
  },
};

// The propagation viewer: one block at a time, the nodes that have it coloured by when it
// arrived, over simulated time since mining.
const Viewer = (() => {
  const state = { block: null, t: 0, end: 1, playing: false, timer: null, speed: 1 };
  let ui = null;
  function reachedAt(t) {
    const d = Reach.load(), range = d.start.get(state.block);
    if (!range) return 0;
    let lo = range[0], hi = range[1];  // first row with after > t
    while (lo < hi) { const mid = (lo + hi) >> 1; if (d.after[mid] <= t) lo = mid + 1; else hi = mid; }
    return lo - range[0];
  }
  function render() {
    const d = Reach.load(), range = d.start.get(state.block) || [0, 0];
    const reached = reachedAt(state.t);
    const color = new Map();
    for (let i = range[0]; i < range[0] + reached; i++) {
      const share = d.after[i] / (state.end || 1);
      color.set(d.node[i], 'hsl(' + Math.round(140 - 140 * share) + ',70%,42%)');
    }
    const miner = ui.blocks[state.block] ? ui.blocks[state.block].miner : null;
    ui.map.draw(ui.canvas, { nodeColor: i => color.get(i) || '#d3d8df' });
    if (miner !== null && miner !== undefined && ui.map.regionIndex[miner] !== undefined) {
      const ctx = ui.canvas.getContext('2d'), [x, y] = ui.map.nodeXY(ui.canvas, miner);
      ctx.strokeStyle = '#c8392f'; ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(x, y, 7, 0, 2 * Math.PI); ctx.stroke();
    }
    const total = ui.nodes.rows.length;
    ui.readout.textContent = 't = ' + state.t.toFixed(3) + ' s after mining: ' + reached + ' of ' + total + ' nodes (' + (100 * reached / total).toFixed(1) + ' %)';
    ui.slider.value = String(Math.round(1000 * state.t / (state.end || 1)));
    ui.play.textContent = state.playing ? 'Pause' : 'Play';
    if (ui.cursor) {
      const x = ui.chart.X(state.t);
      ui.cursor.setAttribute('x1', x); ui.cursor.setAttribute('x2', x);
    }
    ui.viewer.dataset.reached = String(reached);
    ui.viewer.dataset.time = String(state.t);
  }
  function setTime(t) { state.t = Math.max(0, Math.min(state.end, t)); render(); }
  // Playing advances simulated time on a 40 ms timer: the whole propagation takes about
  // 8 s of wall time at speed 1.
  function tick() {
    if (state.t >= state.end) { pause(); return; }
    setTime(state.t + state.end / 200 * state.speed);
  }
  function play() {
    if (state.t >= state.end) state.t = 0;
    state.playing = true;
    if (!state.timer) state.timer = setInterval(tick, 40);
    render();
  }
  function pause() { state.playing = false; if (state.timer) { clearInterval(state.timer); state.timer = null; } render(); }
  function selectBlock(b) {
    const d = Reach.load(), range = d.start.get(b);
    state.block = b;
    state.end = range ? Math.max(d.after[range[1] - 1] * 1.02, 1e-3) : 1;
    // The block's CDF beside the map, with the current time as a vertical line.
    const chart = lineChart([{ name: 'share of nodes with the block', color: colorOf(0), step: true, points: Reach.blockCdf(b) }],
      { xLabel: 'seconds after mining', yLabel: 'share of nodes', yMax: 1, xMax: state.end, width: 340, height: 240 });
    ui.chart = chart.chart;
    ui.cursor = svg('line', { y1: ui.chart.m.t, y2: ui.chart.H - ui.chart.m.b, stroke: '#c8392f', 'stroke-width': 1.5 });
    ui.chart.root.append(ui.cursor);
    ui.cdf.replaceChildren(chart);
    setTime(state.end);  // the whole spread at first; Play starts from the mining

  }
  function build() {
    const reach = Reach.load(), nodes = Run.csv('nodes.csv');
    if (!reach || !nodes || !reach.n) {
      const why = !Run.index['reach.csv'] ? 'This run has no reach.csv: add `reach` to the scenario\'s outputs (e.g. --set \'outputs=[summary, blocks, reach]\').'
        : !Run.index['reach.csv'].embedded ? 'reach.csv is too large to embed in the page.' : !nodes ? 'The viewer needs nodes.csv.' : 'reach.csv has no rows.';
      if (Run.csv('blocks.csv')) section('viewer', 'Propagation viewer', el('p', { class: 'note', text: why }));
      return;
    }
    const bs = blocks() || [];
    const pick = el('select', { id: 'viewer-block' });
    const choices = [...reach.start.keys()];
    for (const b of choices) {
      const info = bs[b];
      pick.append(el('option', { value: b, text: '#' + b + (info ? ' height ' + info.height + (info.main ? '' : ' (stale)') + ', mined by ' + info.group + ' node ' + info.miner : '') }));
    }
    const canvas = el('canvas', { width: 800, height: 420, id: 'viewer-map' });
    const slider = el('input', { type: 'range', min: 0, max: 1000, value: 0, id: 'viewer-time' });
    const playButton = el('button', { id: 'viewer-play', text: 'Play' });
    const speed = el('select', {}, ...[0.25, 0.5, 1, 2, 4].map(s => el('option', { value: s, text: s + '×' })));
    speed.value = '1';
    const readout = el('span', { id: 'viewer-readout' });
    const viewer = section('viewer', 'Propagation viewer',
      el('p', { class: 'note', text: 'Each dot is a node, placed in its region; a node turns from grey to colour when it accepts the block (green early, red late); the red ring is the miner. Times are simulated seconds after mining (reach.csv).' }),
      el('div', { class: 'controls' }, 'block ', pick, playButton, 'speed ', speed),
      el('div', { class: 'controls' }, slider, readout));
    const cdf = el('div');
    viewer.append(el('div', { class: 'row' }, canvas, cdf));
    ui = { canvas, slider, play: playButton, readout, viewer, cdf, nodes, blocks: bs, map: RegionMap.create(nodes) };
    pick.addEventListener('change', () => { pause(); selectBlock(Number(pick.value)); });
    playButton.addEventListener('click', () => (state.playing ? pause() : play()));
    speed.addEventListener('change', () => { state.speed = Number(speed.value); });
    slider.addEventListener('input', () => { pause(); setTime(state.end * Number(slider.value) / 1000); });
    // The block reaching the most nodes, main chain first: the most to watch.
    const len = b => reach.start.get(b)[1] - reach.start.get(b)[0];
    const main = choices.filter(b => !bs[b] || bs[b].main);
    const best = (main.length ? main : choices).reduce((x, b) => (len(b) > len(x) ? b : x));
    pick.value = String(best);
    selectBlock(best);
  }
  // #selftest: press Play at 4x, read the reached count at once and after 1.5 s, and
  // write both into #selftest for the browser test. #viewer: only the viewer, paused where
  // about half the nodes have the block (for screenshots).
  function selfTest(done) {
    if (!ui) { document.body.append(el('pre', { id: 'selftest', text: JSON.stringify({ viewer: false }) })); done(); return; }
    if (location.hash.startsWith('#viewer')) {
      document.body.classList.add('only-viewer');
      window.scrollTo(0, 0);
      const d = Reach.load(), range = d.start.get(state.block);
      setTime(d.after[range[0] + Math.floor((range[1] - range[0]) / 2)]);
      setTimeout(() => { window.scrollTo(0, 0); done(); }, 0);  // after the jump to #viewer
      return;
    }
    state.speed = 4;
    play();
    const first = { reached: reachedAt(state.t), t: state.t };
    setTimeout(() => {
      const later = { reached: reachedAt(state.t), t: state.t };
      pause();
      document.body.append(el('pre', { id: 'selftest', text: JSON.stringify({ viewer: true, block: state.block, first, later, end: state.end }) }));
      done();
    }, 1500);
  }
  return { build, selfTest, state };
})();
