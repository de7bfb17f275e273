// Report writers: text, json, junit, html, markdown.
import type { RuleSummary, Summary } from '../checker.js';
import type { Finding, Severity } from '../rule.js';

export type ReportFormat = 'text' | 'json' | 'junit' | 'html' | 'markdown';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'junit', 'html', 'markdown'];

/** Findings in report order: an array, or the checker's compact list. */
export interface Findings extends Iterable<Finding> { readonly length: number }

export interface ReportInput {
  file: string;
  findings: Findings;
  summary: Summary;
  /** Decoded trees (-V text) of the frames that have findings, for the HTML report. */
  trees?: ReadonlyMap<number, string>;
  /** Set when the input could not be read to its end: what went wrong. The report is then incomplete. */
  damage?: string;
}

/** How a rule's outcome reads to people: never "passed" for messages it could not examine. */
export function statusText(x: RuleSummary): string {
  const noKey = `not checked (no key) for ${x.notChecked} message${x.notChecked === 1 ? '' : 's'}`;
  switch (x.status) {
    case 'partly-checked': return `no finding in ${x.checked} check${x.checked === 1 ? '' : 's'}; ${noKey}`;
    case 'not-checked': return x.notChecked ? noKey : 'not checked (no key)';
    case 'failed': return x.notChecked ? `failed; ${noKey}` : 'failed';
    default: return x.status;
  }
}

const incompleteLine = (r: ReportInput) => `INCOMPLETE: the input was not read to its end (${r.damage}); the findings cover only the packets before the damage`;

const SEV_LABEL: Record<Severity, string> = { error: 'error', warning: 'warning', note: 'note' };

/** Joins lines into chunks of about a megabyte, each line ended by a newline. */
function* chunked(lines: Iterable<string>): Generator<string> {
  let buf: string[] = [], size = 0;
  for (const l of lines) {
    buf.push(l); size += l.length + 1;
    if (size >= 1 << 20) { yield buf.join('\n') + '\n'; buf = []; size = 0; }
  }
  if (buf.length) yield buf.join('\n') + '\n';
}

function* textLines(r: ReportInput): Generator<string> {
  for (const f of r.findings) yield `frame ${f.frame}: ${SEV_LABEL[f.severity]}: ${f.rule}: ${f.message} [${f.reference}]`;
  const s = r.summary;
  yield '';
  yield `${r.file}: ${s.frames} frames, ${s.messages} Mobile IP messages, ${s.rules.length} rules: ${s.errors} error(s), ${s.warnings} warning(s), ${s.notes} note(s)`;
  for (const x of s.rules) if (x.status === 'not-checked' || x.notChecked) yield `  ${x.id}: ${statusText(x)}`;
  if (r.damage !== undefined) yield incompleteLine(r);
}

export function textReport(r: ReportInput): string {
  return [...chunked(textLines(r))].join('');
}

const jsonFinding = (f: Finding) => ({ frame: f.frame, rule: f.rule, severity: f.severity, message: f.message, reference: f.reference, ...(f.node ? { node: f.node } : {}) });
const indented = (v: unknown, pad: string) => JSON.stringify(v, null, 2).replace(/\n/g, '\n' + pad);

/** The JSON report, as JSON.stringify(…, null, 2) writes it, one finding at a time. */
function* jsonLines(r: ReportInput): Generator<string> {
  const summary = { file: r.file, complete: r.damage === undefined, ...(r.damage !== undefined ? { damage: r.damage } : {}), ...r.summary };
  if (!r.findings.length) yield '{\n  "findings": [],';
  else {
    yield '{\n  "findings": [';
    let i = 0;
    const last = r.findings.length - 1;
    for (const f of r.findings) yield '    ' + indented(jsonFinding(f), '    ') + (i++ < last ? ',' : '');
    yield '  ],';
  }
  yield '  "summary": ' + indented(summary, '  ');
  yield '}';
}

export function jsonReport(r: ReportInput): string {
  return [...chunked(jsonLines(r))].join('');
}

const xml = (s: string) => s.replace(/[<>&"']/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[c]!));
const html = xml;

/** JUnit XML: one test case per rule; findings of error severity fail it, others are reported in system-out. */
export function junitReport(r: ReportInput): string {
  const s = r.summary;
  const byRule = new Map<string, Finding[]>();
  for (const f of r.findings) { const l = byRule.get(f.rule); if (l) l.push(f); else byRule.set(f.rule, [f]); }
  const failures = s.rules.filter(x => byRule.get(x.id)?.some(f => f.severity === 'error')).length;
  // A rule that could not examine every message for want of a key is not reported as passing.
  const skipped = s.rules.filter(x => x.status === 'not-checked' || x.status === 'partly-checked').length;
  // An input not read to its end is one more test case, in error, naming the damage.
  const errors = r.damage !== undefined ? 1 : 0, tests = s.rules.length + errors;
  const lines = [`<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="mipscope check" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">`,
    `  <testsuite name="${xml(r.file)}" tests="${tests}" failures="${failures}" skipped="${skipped}" errors="${errors}">`];
  if (r.damage !== undefined) {
    lines.push(`    <testcase classname="mipscope.input" name="the capture is read to its end">`,
      `      <error message="${xml(r.damage)}" type="incomplete">${xml(incompleteLine(r))}</error>`, '    </testcase>');
  }
  for (const rule of s.rules) {
    const fs = byRule.get(rule.id) ?? [];
    lines.push(`    <testcase classname="mipscope.${xml(rule.id)}" name="${xml(rule.id)}: ${xml(rule.title)}">`);
    if (rule.status === 'not-checked' || rule.status === 'partly-checked') lines.push(`      <skipped message="${xml(statusText(rule))}"/>`);
    const errs = fs.filter(f => f.severity === 'error');
    if (errs.length) lines.push(`      <failure message="${errs.length} finding(s)" type="${rule.severity}">${xml(errs.map(f => `frame ${f.frame}: ${f.message}`).join('\n'))}</failure>`);
    const others = fs.filter(f => f.severity !== 'error');
    if (others.length) lines.push(`      <system-out>${xml(others.map(f => `frame ${f.frame}: ${f.severity}: ${f.message}`).join('\n'))}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

function* markdownLines(r: ReportInput): Generator<string> {
  const s = r.summary;
  yield* [`# Conformance report: ${r.file}`, '', `${s.frames} frames, ${s.messages} Mobile IP messages, ${s.rules.length} rules: **${s.errors} error(s)**, ${s.warnings} warning(s), ${s.notes} note(s).`, '',
    ...(r.damage !== undefined ? [`**${incompleteLine(r)}.**`, ''] : []),
    '| rule | severity | status | findings |', '|---|---|---|---|'];
  for (const x of s.rules) yield `| ${x.id} | ${x.severity} | ${statusText(x)} | ${x.findings} |`;
  if (r.findings.length) {
    yield* ['', '## Findings', '', '| frame | severity | rule | message | reference |', '|---|---|---|---|---|'];
    for (const f of r.findings) yield `| ${f.frame} | ${f.severity} | ${f.rule} | ${f.message.replace(/\|/g, '\\|')} | ${f.reference} |`;
  }
}

export function markdownReport(r: ReportInput): string {
  return [...chunked(markdownLines(r))].join('');
}


/** One stand-alone HTML file: findings grouped by rule and by mobile node, each linked to its frame's tree. */
export function htmlReport(r: ReportInput): string {
  const s = r.summary;
  const byRule = new Map<string, Finding[]>(), byNode = new Map<string, Finding[]>();
  for (const f of r.findings) {
    byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
    const n = f.node ?? '(no mobile node)';
    byNode.set(n, [...(byNode.get(n) ?? []), f]);
  }
  const li = (f: Finding) => `<li class="${f.severity}"><a href="#frame-${f.frame}">frame ${f.frame}</a> <b>${f.severity}</b> ${html(f.rule)}: ${html(f.message)}</li>`;
  const parts = [`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>mipscope check: ${html(r.file)}</title>`,
    `<style>body{font-family:sans-serif;margin:2em;max-width:75em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}`,
    `.error{color:#a00}.warning{color:#a60}.note{color:#056}.passed{color:#070}pre{background:#f6f6f6;padding:1em;overflow:auto}h3{margin-bottom:.2em}</style></head><body>`,
    `<h1>Conformance report</h1><p>${html(r.file)}: ${s.frames} frames, ${s.messages} Mobile IP messages, ${s.rules.length} rules: <b class="error">${s.errors} error(s)</b>, <span class="warning">${s.warnings} warning(s)</span>, <span class="note">${s.notes} note(s)</span>.</p>`,
    ...(r.damage !== undefined ? [`<p class="error"><b>${html(incompleteLine(r))}.</b></p>`] : []),
    `<h2>Rules</h2><table><tr><th>rule</th><th>title</th><th>severity</th><th>status</th><th>findings</th><th>reference</th></tr>`];
  for (const x of s.rules) parts.push(`<tr><td><a href="#rule-${html(x.id)}">${html(x.id)}</a></td><td>${html(x.title)}</td><td class="${x.severity}">${x.severity}</td><td class="${x.status === 'passed' ? 'passed' : x.status === 'failed' ? x.severity : ''}">${html(statusText(x))}</td><td>${x.findings}</td><td>${html(x.reference)}</td></tr>`);
  parts.push('</table><h2>Findings by rule</h2>');
  for (const [rule, fs] of byRule) parts.push(`<h3 id="rule-${html(rule)}">${html(rule)}</h3><ul>${fs.map(li).join('')}</ul>`);
  parts.push('<h2>Findings by mobile node</h2>');
  for (const [node, fs] of byNode) parts.push(`<h3>${html(node)}</h3><ul>${fs.map(li).join('')}</ul>`);
  parts.push('<h2>Frames</h2>');
  for (const [frame, tree] of [...(r.trees ?? new Map<number, string>())].sort((a, b) => a[0] - b[0])) parts.push(`<h3 id="frame-${frame}">Frame ${frame}</h3><pre>${html(tree)}</pre>`);
  parts.push('</body></html>');
  return parts.join('\n') + '\n';
}

export function renderReport(format: ReportFormat, r: ReportInput): string {
  switch (format) {
    case 'text': return textReport(r);
    case 'json': return jsonReport(r);
    case 'junit': return junitReport(r);
    case 'html': return htmlReport(r);
    case 'markdown': return markdownReport(r);
  }
}

/** The report's lines (text, json, markdown), or null for a format made whole. */
function reportLines(format: ReportFormat, r: ReportInput): Iterable<string> | null {
  switch (format) {
    case 'text': return textLines(r);
    case 'json': return jsonLines(r);
    case 'markdown': return markdownLines(r);
    default: return null;
  }
}

/** The report in pieces of about a megabyte (text, json and markdown are written as they are made). */
export function* reportChunks(format: ReportFormat, r: ReportInput): Generator<string> {
  const lines = reportLines(format, r);
  if (lines) yield* chunked(lines); else yield renderReport(format, r);
}

/**
 * The report in small pieces, each line with its newline (text, json, markdown): for a writer
 * that encodes them into a buffer of its own. Joining a megabyte of lines into one string first
 * makes a large object for every megabyte, which only a full collection frees.
 */
export function* reportPieces(format: ReportFormat, r: ReportInput): Generator<string> {
  const lines = reportLines(format, r);
  if (!lines) { yield renderReport(format, r); return; }
  for (const l of lines) { yield l; yield '\n'; }
}
