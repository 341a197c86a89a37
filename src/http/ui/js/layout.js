// Layered ("Sugiyama-style") layout of the component graph, computed in the browser:
// cycle breaking by DFS, longest-path layering (sources pulled next to their first consumer),
// barycentric ordering sweeps, then coordinates with data flowing left to right.
// Pure functions of their input, so the same graph always gets the same picture (which lets the
// graph page restore the user's pan and zoom after a reload).

/**
 * The graph to draw from the component list. Edges point the way data flows: a component that
 * references another depends on it (edge referenced → referencing), except where the referencing
 * component sends data to it (`dataFlowEdgesTo`, edge referencing → referenced).
 * Returns { nodes: [{ id, name, health }], edges: [{ from, to, kind: 'data'|'ref' }] }.
 */
export function graphFromComponents(components) {
  const ids = new Set(components.map((c) => c.localID));
  const nodes = components.map((c) => ({ id: c.localID, name: c.name, health: c.health?.state || 'unknown' }));
  const seen = new Set();
  const edges = [];
  const add = (from, to, kind) => {
    if (from === to || !ids.has(from) || !ids.has(to)) return;
    const k = `${from}\u0000${to}`;
    if (seen.has(k)) return;
    seen.add(k);
    edges.push({ from, to, kind });
  };
  for (const c of components) {
    const flows = new Set(c.dataFlowEdgesTo || []);
    for (const t of flows) add(c.localID, t, 'data');
    for (const r of c.referencesTo || []) if (!flows.has(r)) add(r, c.localID, 'ref');
  }
  return { nodes, edges };
}

/**
 * Lays out { nodes, edges }. `width(node)` gives a node's box width in px. Returns
 * { nodes: Map id → { x, y, w, h, layer }, edges: [{ from, to, kind, reversed, path }],
 *   width, height }.
 */
export function layoutGraph(graph, width, opts = {}) {
  const nodeH = opts.nodeHeight ?? 28;
  const vGap = opts.vGap ?? 14;
  const hGap = opts.hGap ?? 90;
  const n = graph.nodes.length;
  const index = new Map(graph.nodes.map((v, i) => [v.id, i]));
  const edges = graph.edges.map((e) => ({ ...e, u: index.get(e.from), v: index.get(e.to), reversed: false }));

  // 1. Break cycles: reverse DFS back edges (iterative, so deep graphs cannot overflow the stack).
  const out = Array.from({ length: n }, () => []);
  for (const e of edges) out[e.u].push(e);
  const colour = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  for (let root = 0; root < n; root++) {
    if (colour[root]) continue;
    const stack = [[root, 0]];
    colour[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [u, i] = top;
      if (i < out[u].length) {
        top[1]++;
        const e = out[u][i];
        if (colour[e.v] === 1) e.reversed = true;
        else if (colour[e.v] === 0) { colour[e.v] = 1; stack.push([e.v, 0]); }
      } else {
        colour[u] = 2;
        stack.pop();
      }
    }
  }
  const succ = Array.from({ length: n }, () => []);
  const pred = Array.from({ length: n }, () => []);
  for (const e of edges) {
    const [a, b] = e.reversed ? [e.v, e.u] : [e.u, e.v];
    if (a === b) continue;
    succ[a].push(b);
    pred[b].push(a);
  }

  // 2. Longest-path layering in topological order (Kahn).
  const layer = new Int32Array(n);
  const indeg = pred.map((p) => p.length);
  const queue = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  const topo = [];
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi];
    topo.push(u);
    for (const w of succ[u]) {
      if (layer[u] + 1 > layer[w]) layer[w] = layer[u] + 1;
      if (--indeg[w] === 0) queue.push(w);
    }
  }
  // Pull sources right, next to their nearest consumer, so they do not all pile up in column 0.
  for (let i = 0; i < n; i++) {
    if (pred[i].length === 0 && succ[i].length > 0) {
      let min = Infinity;
      for (const w of succ[i]) min = Math.min(min, layer[w]);
      layer[i] = Math.max(0, min - 1);
    }
  }
  let layerCount = 0;
  for (let i = 0; i < n; i++) layerCount = Math.max(layerCount, layer[i] + 1);
  const layers = Array.from({ length: layerCount }, () => []);
  // Initial order: by ID inside each layer, which keeps same-type components together.
  const byId = [...Array(n).keys()].sort((a, b) => (graph.nodes[a].id < graph.nodes[b].id ? -1 : 1));
  for (const i of byId) layers[layer[i]].push(i);

  // 3. Barycentric ordering: alternate sweeps, positions normalised to [0, 1] per layer.
  const pos = new Float64Array(n);
  const setPos = (L) => { const len = L.length; L.forEach((v, k) => { pos[v] = len > 1 ? k / (len - 1) : 0.5; }); };
  layers.forEach(setPos);
  const sweeps = opts.sweeps ?? 6;
  for (let s = 0; s < sweeps; s++) {
    const down = s % 2 === 0;
    const order = down ? layers : [...layers].reverse();
    for (const L of order) {
      const key = new Float64Array(L.length);
      L.forEach((v, k) => {
        const nb = down ? pred[v] : succ[v];
        if (nb.length === 0) { key[k] = pos[v]; return; }
        let sum = 0;
        for (const w of nb) sum += pos[w];
        key[k] = sum / nb.length;
      });
      const idx = L.map((_, k) => k).sort((a, b) => key[a] - key[b] || a - b);
      const sortedL = idx.map((k) => L[k]);
      L.splice(0, L.length, ...sortedL);
      setPos(L);
    }
  }

  // 4. Coordinates: columns left to right, each column as wide as its widest node. A layer
  // taller than the picture is wide is wrapped row by row into several sub-columns (node k of
  // the order goes to row k / c, sub-column k % c), so neighbours in the order stay side by
  // side and a graph of thousands of components does not become a thin vertical line.
  const aspect = opts.aspect ?? 0.6;
  const subGap = opts.subGap ?? 24;
  const colW = layers.map((L) => L.reduce((m, v) => Math.max(m, width(graph.nodes[v])), 0));
  const maxN = Math.max(0, ...layers.map((L) => L.length));
  const shape = (rows) => {
    const cols = layers.map((L) => Math.max(1, Math.ceil(L.length / rows)));
    let w = 0;
    cols.forEach((c, li) => { w += c * colW[li] + (c - 1) * subGap + hGap; });
    return { cols, width: Math.max(0, w - hGap), height: rows * (nodeH + vGap) - vGap };
  };
  let rows = Math.max(1, maxN);
  let best = shape(rows);
  while (rows > 8 && best.height > aspect * best.width) {
    rows = Math.max(8, Math.floor(rows * 0.85));
    best = shape(rows);
  }
  const colX = [];
  let x = 0;
  layers.forEach((L, li) => {
    colX.push(x);
    const c = best.cols[li];
    x += c * colW[li] + (c - 1) * subGap + hGap;
  });
  const totalW = Math.max(0, x - hGap);
  const layerRows = layers.map((L, li) => Math.ceil(L.length / best.cols[li]));
  const totalH = Math.max(0, ...layerRows.map((r) => r * (nodeH + vGap) - vGap));
  const placed = new Map();
  layers.forEach((L, li) => {
    const c = best.cols[li];
    const y0 = (totalH - (layerRows[li] * (nodeH + vGap) - vGap)) / 2;
    L.forEach((v, k) => {
      const node = graph.nodes[v];
      placed.set(node.id, {
        x: colX[li] + (k % c) * (colW[li] + subGap),
        y: y0 + Math.floor(k / c) * (nodeH + vGap),
        w: width(node),
        h: nodeH,
        layer: li,
      });
    });
  });

  const outEdges = edges.map((e) => {
    const a = placed.get(e.from);
    const b = placed.get(e.to);
    return { from: e.from, to: e.to, kind: e.kind, reversed: e.reversed, path: edgePath(a, b) };
  });
  return { nodes: placed, edges: outEdges, width: totalW, height: totalH };
}

/** A cubic curve from the right side of box a to the left side of box b (or around, if b is left of a). */
function edgePath(a, b) {
  const x1 = a.x + a.w;
  const y1 = a.y + a.h / 2;
  const x2 = b.x;
  const y2 = b.y + b.h / 2;
  if (x2 > x1) {
    const dx = Math.max(30, (x2 - x1) / 2);
    return `M${r(x1)},${r(y1)} C${r(x1 + dx)},${r(y1)} ${r(x2 - dx)},${r(y2)} ${r(x2)},${r(y2)}`;
  }
  // Backwards (cycle) or same column: loop out to the right and come back in from the left.
  const out = 40;
  return `M${r(x1)},${r(y1)} C${r(x1 + out)},${r(y1)} ${r(x2 - out)},${r(y2)} ${r(x2)},${r(y2)}`;
}

function r(v) {
  return Math.round(v * 10) / 10;
}
