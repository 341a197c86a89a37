// Talking to the agent: URLs relative to the page's <base href> (the UI path prefix), JSON
// fetches that remember how long they took, and the mapping between component IDs and paths.

/** The UI path prefix, always ending in "/" (from <base href>, filled in by the server). */
export const basePath = new URL(document.baseURI).pathname.replace(/\/?$/, '/');

/** Raised for a 404 so pages can say "not found" instead of "agent unreachable". */
export class NotFoundError extends Error {
  constructor(url) {
    super(`not found: ${url}`);
    this.name = 'NotFoundError';
  }
}

/** Time spent waiting for the network, summed since the last reset (read by the timing hook). */
export const netStats = { fetchMs: 0, bytes: 0 };

/** URL of a UI API endpoint, e.g. apiUrl('components'). */
export function apiUrl(path) {
  return new URL(`api/v0/web/${path}`, new URL(basePath, location.origin)).href;
}

/** Path segments of a component ID (module IDs contain "/"), each percent-encoded. */
export function encodeId(id) {
  return id.split('/').map(encodeURIComponent).join('/');
}

/** Inverse of encodeId on a path tail. */
export function decodeId(path) {
  return path.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  }).join('/');
}

/** The href (relative to <base>) of a component's page. */
export function componentHref(id) {
  return `component/${encodeId(id)}`;
}

/** The UI route (path below the prefix, no leading "/") of a location pathname. */
export function routeOf(pathname) {
  return pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname.replace(/^\//, '');
}

/**
 * Fetches text; throws NotFoundError on 404 and Error (with the status and body) on other
 * failures. `signal` aborts it.
 */
export async function getText(url, signal) {
  const t0 = performance.now();
  let resp;
  try {
    resp = await fetch(url, { signal, headers: { Accept: 'application/json, text/plain' }, cache: 'no-store' });
  } finally {
    netStats.fetchMs += performance.now() - t0;
  }
  const text = await resp.text();
  netStats.bytes += text.length;
  if (resp.status === 404) throw new NotFoundError(url);
  if (!resp.ok) throw new Error(`${resp.status} ${resp.statusText}: ${text.slice(0, 200)}`);
  return text;
}

/**
 * A poller for one JSON endpoint that only parses when the body changed since the last call:
 * returns { changed, data }.
 */
export function jsonSource(path) {
  let lastText = null;
  let lastData;
  return async function load(signal) {
    const text = await getText(apiUrl(path), signal);
    if (text === lastText) return { changed: false, data: lastData };
    lastData = JSON.parse(text);
    lastText = text;
    return { changed: true, data: lastData };
  };
}
