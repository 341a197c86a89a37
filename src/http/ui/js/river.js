// Renders the UI API's "body" JSON (arguments, exports, debug info) back into River text, laid
// out like `agent fmt`: tab indentation, `=` aligned across runs of attributes (a multi-line
// value ends its run), blank lines around blocks, objects one key per line with trailing
// commas, arrays of scalars on one line and arrays of objects as `[{ … }, { … }]`.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes a string like Go's strconv.Quote. */
export function goQuote(str) {
  let out = '"';
  for (const ch of String(str)) {
    const c = ch.codePointAt(0);
    switch (c) {
      case 0x07: out += '\\a'; continue;
      case 0x08: out += '\\b'; continue;
      case 0x0c: out += '\\f'; continue;
      case 0x0a: out += '\\n'; continue;
      case 0x0d: out += '\\r'; continue;
      case 0x09: out += '\\t'; continue;
      case 0x0b: out += '\\v'; continue;
      case 0x5c: out += '\\\\'; continue;
      case 0x22: out += '\\"'; continue;
      default:
    }
    if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else if (PRINTABLE.test(ch)) out += ch;
    else if (c < 0x10000) out += `\\u${hex(c, 4)}`;
    else out += `\\U${hex(c, 8)}`;
  }
  return `${out}"`;
}

function hex(n, width) {
  return n.toString(16).padStart(width, '0');
}

/** An object key as River writes it: bare when it is an identifier, quoted otherwise. */
export function riverKey(key) {
  return IDENT.test(key) ? key : goQuote(key);
}

/** True when a value prints on one line. */
function isInline(v) {
  if (!v || typeof v !== 'object') return true;
  if (v.type === 'object') return !Array.isArray(v.value) || v.value.length === 0;
  if (v.type === 'array') return !Array.isArray(v.value) || v.value.every(isInline);
  return true;
}

/** A scalar value as River text. */
function scalar(v) {
  switch (v.type) {
    case 'string': return goQuote(v.value ?? '');
    case 'number': return typeof v.value === 'number' ? numberText(v.value) : String(v.value);
    case 'bool': return v.value ? 'true' : 'false';
    case 'null': return 'null';
    case 'capsule': return String(v.value ?? 'capsule');
    case 'function': return typeof v.value === 'string' && v.value ? v.value : 'function';
    default: return String(v.value ?? 'null');
  }
}

function numberText(n) {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n);
}

/** A value as River text; `indent` is the indentation of the line it starts on. */
export function valueText(v, indent = '') {
  if (!v || typeof v !== 'object') return 'null';
  if (v.type === 'array') return arrayText(Array.isArray(v.value) ? v.value : [], indent);
  if (v.type === 'object') return objectText(Array.isArray(v.value) ? v.value : [], indent);
  return scalar(v);
}

function arrayText(items, indent) {
  if (items.length === 0) return '[]';
  if (items.every(isInline)) return `[${items.map((x) => valueText(x, indent)).join(', ')}]`;
  // Multi-line elements (objects) hug the brackets: [{ … }, { … }].
  return `[${items.map((x) => valueText(x, indent)).join(', ')}]`;
}

function objectText(fields, indent) {
  if (fields.length === 0) return '{}';
  const inner = `${indent}\t`;
  const lines = alignRuns(
    fields.map((f) => ({ name: riverKey(String(f.key)), value: f.value })),
    inner,
    ',',
  );
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/**
 * `name = value` lines for a run of key/value pairs with `=` aligned; an entry whose value spans
 * several lines closes the alignment run (as the formatter's tabwriter does).
 */
function alignRuns(entries, indent, suffix) {
  const out = [];
  let run = [];
  const flush = () => {
    const width = Math.max(0, ...run.map((e) => e.name.length));
    for (const e of run) out.push(`${indent}${e.name.padEnd(width)} = ${e.text}${suffix}`);
    run = [];
  };
  for (const e of entries) {
    const text = valueText(e.value, indent);
    run.push({ name: e.name, text });
    if (text.includes('\n')) flush();
  }
  flush();
  return out;
}

function blockHeader(stmt) {
  const label = stmt.label != null && stmt.label !== '' ? ` ${goQuote(stmt.label)}` : '';
  return `${stmt.name}${label}`;
}

/**
 * Renders a body (list of attribute and block statements) as River lines at `indent`.
 * `limit` caps the number of lines produced (the renderer stops early on huge bodies).
 */
export function bodyLines(body, indent = '', limit = Infinity) {
  const out = [];
  let pendingAttrs = [];
  let prevKind = null;
  const flushAttrs = () => {
    if (pendingAttrs.length === 0) return;
    if (prevKind === 'block') out.push('');
    out.push(...alignRuns(pendingAttrs, indent, ''));
    pendingAttrs = [];
    prevKind = 'attr';
  };
  for (const stmt of Array.isArray(body) ? body : []) {
    if (out.length >= limit) break;
    if (stmt && stmt.type === 'block') {
      flushAttrs();
      if (prevKind) out.push('');
      const inner = bodyLines(stmt.body, `${indent}\t`, limit - out.length);
      if (inner.length === 0) out.push(`${indent}${blockHeader(stmt)} { }`);
      else out.push(`${indent}${blockHeader(stmt)} {`, ...inner, `${indent}}`);
      prevKind = 'block';
    } else if (stmt) {
      pendingAttrs.push({ name: String(stmt.name), value: stmt.value });
    }
  }
  flushAttrs();
  return out;
}

/** Renders a body as River text. */
export function bodyText(body) {
  return bodyLines(body).join('\n');
}

/**
 * A short one-line rendering for table cells: strings unquoted, objects as {k="v", …}, arrays
 * inline.
 */
export function cellText(v) {
  if (!v || typeof v !== 'object') return '';
  switch (v.type) {
    case 'string': return String(v.value ?? '');
    case 'object': {
      const fields = Array.isArray(v.value) ? v.value : [];
      return `{${fields.map((f) => `${f.key}=${inlineText(f.value)}`).join(', ')}}`;
    }
    default: return inlineText(v);
  }
}

function inlineText(v) {
  if (!v || typeof v !== 'object') return 'null';
  if (v.type === 'array') return `[${(Array.isArray(v.value) ? v.value : []).map(inlineText).join(', ')}]`;
  if (v.type === 'object') return cellText(v);
  return scalar(v);
}
