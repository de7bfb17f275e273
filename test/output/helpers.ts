// Helpers of the output-format tests: the standard corpus as a file, tshark's registry, a JSON
// parser that keeps repeated keys, a strict little XML parser, and the extension types the KX
// preferences claim (tshark reads those as unknown extensions).
import { spawnSync } from 'node:child_process';
import { standardFrames } from '../../samples/standard.js';
import { expertByAbbrev, fieldByAbbrev, parsePrefs } from '../../dissector/index.js';
import { extensionResolvers } from '../../dissector/mip/extensions.js';
import { runCli, runTshark, writePcapng } from '../helpers.js';

let corpus: string | undefined;
/** The standard corpus written once as a pcapng file (nanosecond timestamps). */
export function corpusFile(): string {
  return (corpus ??= writePcapng(standardFrames()));
}

/** Runs mipscope and expects success. */
export function mipscope(args: string[]): string {
  const r = runCli(args);
  if (r.code !== 0 || r.stderr !== '') throw new Error(`mipscope ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** tshark's output without its "Running as root" note. */
export function tshark(args: string[]): string {
  return runTshark(args);
}

let known: Set<string> | undefined;
/** Every field, protocol and expert abbrev tshark 4.0 knows (`tshark -G fields`). */
export function tsharkAbbrevs(): Set<string> {
  if (!known) {
    const r = spawnSync('tshark', ['-G', 'fields'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    known = new Set(r.stdout.split('\n').filter(l => l.startsWith('F\t') || l.startsWith('P\t')).map(l => l.split('\t')[2]!));
  }
  return known;
}

/** Extension types that the KX preferences claim (`mip.kx.type.*`). */
export function kxExtensionTypes(): Set<number> {
  const prefs = parsePrefs([]);
  const s = new Set<number>();
  for (let t = 0; t < 256; t++) if (extensionResolvers.some(r => r(t, prefs))) s.add(t);
  return s;
}

// --- JSON with repeated keys -------------------------------------------------------------------

/** A JSON object as its members in order; repeated keys stay repeated. */
export class Members extends Array<[string, JsonValue]> {}
export type JsonValue = string | number | boolean | null | JsonValue[] | Members;

/** JSON.parse that keeps objects as ordered member lists (tshark writes repeated keys). */
export function parseJsonMembers(text: string): JsonValue {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++; };
  const fail = (what: string): never => { throw new SyntaxError(`${what} at offset ${i}`); };
  const value = (): JsonValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const m = new Members();
      ws();
      if (text[i] === '}') { i++; return m; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a member name');
        const k = string();
        ws();
        if (text[i++] !== ':') fail('expected :');
        m.push([k, value()]);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return m; }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const a: JsonValue[] = [];
      ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        fail('expected , or ]');
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 40));
    if (!m) fail('unexpected character');
    i += m![0].length;
    return JSON.parse(m![0]) as JsonValue;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') { if (text[i] === '\\') i++; i++; }
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}

/** The value of the first member named `key`. */
export function member(m: JsonValue, key: string): JsonValue | undefined {
  if (!(m instanceof Members)) return undefined;
  return m.find(([k]) => k === key)?.[1];
}

/** Members that pass `keep` (recursively), so that mipscope-only fields can be set aside. */
export function pruneMembers(v: JsonValue, keep: (key: string, value: JsonValue) => boolean): JsonValue {
  if (v instanceof Members) {
    const out = new Members();
    for (const [k, x] of v) if (keep(k, x)) out.push([k, pruneMembers(x, keep)]);
    return out;
  }
  if (Array.isArray(v)) return v.map(x => pruneMembers(x, keep));
  return v;
}

/** Plain nested arrays (Members → [key, value] pairs) for toEqual comparisons and messages. */
export function plain(v: JsonValue | undefined): unknown {
  if (v instanceof Members) return v.map(([k, x]) => [k, plain(x)]);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

// --- XML ---------------------------------------------------------------------------------------

export interface XmlElement { tag: string; attrs: Array<[string, string]>; children: XmlElement[] }

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string, at: number): string {
  return s.replace(/&([^;]*);?/g, (all, name: string) => {
    if (!all.endsWith(';')) throw new SyntaxError(`bare & at ${at}`);
    if (name in ENTITY) return ENTITY[name]!;
    const m = /^#x([0-9a-f]+)$/i.exec(name) ?? /^#(\d+)$/.exec(name);
    if (!m) throw new SyntaxError(`unknown entity &${name}; at ${at}`);
    return String.fromCodePoint(parseInt(m[1]!, name.startsWith('#x') ? 16 : 10));
  });
}

/**
 * A strict parser for the XML tshark writes: declarations, comments, elements with quoted
 * attributes, no text content. Throws on any malformation (unbalanced tags, unquoted or
 * duplicate attributes, a raw < or & in a value, control characters).
 */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const root: XmlElement = { tag: '#document', attrs: [], children: [] };
  const stack: XmlElement[] = [root];
  const fail = (what: string): never => { throw new SyntaxError(`${what} at offset ${i}`); };
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(text)) fail('control character in document');
  while (i < text.length) {
    if (/\s/.test(text[i]!)) { i++; continue; }
    if (text[i] !== '<') fail('text content outside a tag');
    if (text.startsWith('<?', i)) { const e = text.indexOf('?>', i); if (e < 0) fail('unterminated declaration'); i = e + 2; continue; }
    if (text.startsWith('<!--', i)) { const e = text.indexOf('-->', i); if (e < 0) fail('unterminated comment'); i = e + 3; continue; }
    if (text.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(text.slice(i, i + 200));
      if (!m) fail('bad closing tag');
      const top = stack.pop();
      if (!top || top.tag !== m![1]) fail(`closing </${m![1]}> does not match <${top?.tag}>`);
      i += m![0].length;
      continue;
    }
    const m = /^<([A-Za-z_][\w.-]*)/.exec(text.slice(i, i + 200));
    if (!m) fail('bad tag');
    i += m![0].length;
    const el: XmlElement = { tag: m![1]!, attrs: [], children: [] };
    for (;;) {
      const s = /^\s*/.exec(text.slice(i, i + 50))![0];
      i += s.length;
      if (text.startsWith('/>', i)) { i += 2; stack.at(-1)!.children.push(el); break; }
      if (text[i] === '>') { i++; stack.at(-1)!.children.push(el); stack.push(el); break; }
      if (!s.length) fail('attributes must be separated by space');
      const a = /^([A-Za-z_][\w.-]*)="([^"]*)"/.exec(text.slice(i, i + 1_000_000));
      if (!a) fail('bad attribute');
      if (a![2]!.includes('<')) fail('raw < in an attribute value');
      if (el.attrs.some(([k]) => k === a![1])) fail(`duplicate attribute ${a![1]}`);
      el.attrs.push([a![1]!, decodeEntities(a![2]!, i)]);
      i += a![0].length;
    }
  }
  if (stack.length !== 1) fail(`unclosed <${stack.at(-1)!.tag}>`);
  if (root.children.length !== 1) fail('expected one document element');
  return root.children[0]!;
}

export function attr(e: XmlElement, name: string): string | undefined {
  return e.attrs.find(([k]) => k === name)?.[1];
}

/** True when `abbrev` names something in mipscope's registry (a field, protocol or expert item). */
export function registered(abbrev: string): boolean {
  return fieldByAbbrev(abbrev) !== undefined || expertByAbbrev(abbrev) !== undefined;
}

/**
 * Whether a member written by mipscope has a counterpart in tshark 4.0: text labels do, and
 * registered abbrevs (with their "_tree"/"_raw" forms) when tshark knows them. Expert items
 * count by their own abbrev, their first member.
 */
export function tsharkHasMember(key: string, value: JsonValue): boolean {
  const base = /_(tree|raw)$/.test(key) && registered(key.replace(/_(tree|raw)$/, '')) ? key.replace(/_(tree|raw)$/, '') : key;
  if (base === '_ws.expert' && value instanceof Members && value.length) return tsharkAbbrevs().has(value[0]![0]);
  return !registered(base) || tsharkAbbrevs().has(base);
}
