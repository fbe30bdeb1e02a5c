// Exports alerts with their drill-down context for an incident report: a Markdown file to read
// and paste into a ticket, and a JSON file with the exact data. Nearly everything shown comes
// from the watched containers (names, commands, paths), so the Markdown puts those strings only
// where Markdown cannot read structure into them (code spans, fenced blocks) and makes control
// characters visible; the JSON keeps them exact, escaped only as JSON escapes.
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { categories, type Alert } from '../../engine/alert.js';
import type { ContainerSnapshot } from '../../engine/events.js';
import { describeIoError } from '../../recording/format.js';
import { terminalSafe } from '../../text/terminal-safe.js';
import type { AlertContext, ProcessNode } from './alert-context.js';

export interface ExportedFiles {
  markdown: string;
  json: string;
}

/** Bumped if the JSON layout changes incompatibly. */
const EXPORT_FORMAT = 'vigil-alerts';
const EXPORT_VERSION = 1;
// Alerts carry container details (commands, mounts): readable by the owner only.
const FILE_MODE = 0o600;
// Beyond this, names taken are a sign of something wrong rather than of many exports.
const MAX_SUFFIX = 1000;
// A Markdown line this long is unreadable anyway; the JSON file has the whole string.
const MAX_LINE = 16 * 1024;

/**
 * Writes `vigil-alerts-<UTC timestamp>.md` and `.json` in `dir`, never replacing a file: when
 * either name is taken, both get the next free `-N` suffix. Rejects with a one-line message.
 */
export async function exportAlerts(contexts: AlertContext[], dir: string, now: Date): Promise<ExportedFiles> {
  const markdown = renderMarkdown(contexts, now);
  const json = renderJson(contexts, now);
  const stem = `vigil-alerts-${now.toISOString().replace(/\.\d+/, '').replace(/[-:]/g, '')}`;
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const base = join(dir, n === 0 ? stem : `${stem}-${n}`);
    const files = { markdown: `${base}.md`, json: `${base}.json` };
    const md = await createExclusive(files.markdown);
    if (!md) continue;
    const js = await createExclusive(files.json).catch(async (err: unknown) => {
      await md.close();
      await unlink(files.markdown);
      throw err;
    });
    if (!js) {
      // Taken by another export: give this name up whole, so the pair keeps one name.
      await md.close();
      await unlink(files.markdown);
      continue;
    }
    await writeBoth([md, markdown, files.markdown], [js, json, files.json]);
    return files;
  }
  throw new Error(`${join(dir, stem)}: cannot write the export (${MAX_SUFFIX} names already taken)`);
}

/** A new file with mode 0600, or undefined when the name exists. */
async function createExclusive(path: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    // O_EXCL: never an existing file, nor a symlink planted in its place.
    handle = await open(path, 'wx', FILE_MODE);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EEXIST') return undefined;
    throw new Error(`${path}: cannot write the export (${describeIoError(err)})`);
  }
  try {
    // The mode given to open() is narrowed by the umask.
    await handle.chmod(FILE_MODE);
    return handle;
  } catch (err) {
    await handle.close();
    await unlink(path);
    throw new Error(`${path}: cannot write the export (${describeIoError(err)})`);
  }
}

/** Writes and closes both; on failure removes both, so no half export is left behind. */
async function writeBoth(...files: [FileHandle, string, string][]): Promise<void> {
  let failure: { path: string; err: unknown } | undefined;
  for (const [handle, text, path] of files) {
    if (!failure) await handle.writeFile(text, 'utf8').catch((err: unknown) => (failure = { path, err }));
    await handle.close().catch((err: unknown) => (failure ??= { path, err }));
  }
  if (!failure) return;
  await Promise.all(files.map(([, , path]) => unlink(path).catch(() => undefined)));
  throw new Error(`${failure.path}: cannot write the export (${describeIoError(failure.err)})`);
}

function renderJson(contexts: AlertContext[], now: Date): string {
  const alerts = contexts.map((c) => ({
    alert: c.alert,
    container: c.container ?? null,
    processTree: c.processTree,
    events: c.events,
    missingEvents: c.missingEvents,
  }));
  return `${JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: now.toISOString(), alerts }, null, 2)}\n`;
}

// --- Markdown -------------------------------------------------------------------------------

function renderMarkdown(contexts: AlertContext[], now: Date): string {
  const lines = ['# vigil alerts', '', `Exported ${now.toISOString()}: ${contexts.length} alert${contexts.length === 1 ? '' : 's'}.`];
  contexts.forEach((context, i) => lines.push('', ...alertSection(context, i + 1)));
  return `${lines.join('\n')}\n`;
}

function alertSection(context: AlertContext, number: number): string[] {
  const { alert, container } = context;
  const category = categories[alert.category];
  const lines = [
    `## ${number}. ${text(alert.title)} / ${text(alert.titleZh)}`,
    '',
    `- **Severity:** ${text(alert.severity)}`,
    `- **Rule:** ${code(alert.ruleId)} (${text(category.en)} / ${text(category.zh)})`,
    `- **ATT&CK:** ${alert.mitre ? code(alert.mitre) : '*none*'}`,
    `- **Time:** ${code(alert.ts)}`,
    ...subjectLines(alert),
    `- **Alert id:** ${code(alert.id)}`,
    '',
    '### Summary',
    '',
    ...fenced([alert.summary], 'text'),
    '',
    '### Evidence',
    '',
    ...fenced(JSON.stringify(alert.evidence, null, 2).split('\n'), 'json'),
  ];
  const tree = context.processTree.length > 0 ? context.processTree : offenderOnly(alert);
  if (tree.length > 0) lines.push('', '### Process tree (▶ the alert’s process)', '', ...fenced(tree.map(processLine), 'text'));
  if (alert.container) lines.push('', ...containerSection(container));
  lines.push('', '### Raw events', '');
  if (context.events.length > 0) lines.push(...fenced(JSON.stringify(context.events, null, 2).split('\n'), 'json'));
  if (context.missingEvents.length > 0) {
    if (context.events.length > 0) lines.push('');
    lines.push(`No longer held in memory: seq ${context.missingEvents.join(', ')}.`);
  }
  return lines;
}

function subjectLines(alert: Alert): string[] {
  const lines: string[] = [];
  const c = alert.container;
  if (c) lines.push(`- **Container:** ${code(c.name)} (id ${code(c.id.slice(0, 12))}, image ${code(c.image)})`);
  if (alert.pod) lines.push(`- **Pod:** ${code(`${alert.pod.namespace}/${alert.pod.name}`)}`);
  const k = alert.k8s;
  if (k) {
    const resource = k.subresource ? `${k.resource}/${k.subresource}` : k.resource;
    lines.push(`- **Kubernetes request:** ${code(k.verb)} ${code(resource)} ${code(`${k.namespace}/${k.name}`)} by ${code(k.user)}`);
  }
  return lines;
}

/** The alert's own process, when the process table no longer holds its tree. */
function offenderOnly(alert: Alert): ProcessNode[] {
  const p = alert.process;
  if (!p) return [];
  return [{ ...p, startTime: 0, containerId: alert.container?.id, exited: false, offender: true, depth: 0 }];
}

/** One process, indented by depth, the offender marked in the left margin. */
function processLine(p: ProcessNode): string {
  const ids = p.euid === p.uid ? `uid ${p.uid}` : `uid ${p.uid} euid ${p.euid}`;
  const notes = [p.containerId === undefined && 'host', p.exited && 'exited'].filter(Boolean);
  const tail = notes.length > 0 ? `  (${notes.join(', ')})` : '';
  return `${p.offender ? '▶ ' : '  '}${'  '.repeat(p.depth)}${p.pid} ${ids} ${p.exe}: ${p.cmdline.map(shellWord).join(' ')}${tail}`;
}

/** An argument as a shell would need it typed: bare when plain, JSON-quoted otherwise. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

function containerSection(c: ContainerSnapshot | undefined): string[] {
  if (!c) return ['### Container', '', 'The container’s details are no longer held in memory.'];
  const list = (items: string[]) => (items.length > 0 ? items.map(code).join(', ') : '*none*');
  const yesNo = (value: boolean) => (value ? 'yes' : 'no');
  const namespaces = Object.entries(c.namespaces).map(([kind, mode]) => `${kind}=${mode}`);
  const lines = [
    '### Container',
    '',
    `- **Image:** ${code(c.image)} (${code(c.imageId)})`,
    `- **Privileged:** ${yesNo(c.privileged)}`,
    `- **Capabilities added:** ${list(c.capAdd)}`,
    `- **Capabilities dropped:** ${list(c.capDrop)}`,
    `- **Security options:** ${list(c.securityOpt)}`,
    `- **Namespaces:** ${list(namespaces)}`,
    `- **User:** ${c.user ? code(c.user) : '*image default*'}`,
    `- **Read-only root filesystem:** ${yesNo(c.readonlyRootfs)}`,
    `- **Devices:** ${list(c.devices.map((d) => `${d.host}:${d.container}:${d.permissions}`))}`,
    '',
    '### Mounts',
    '',
  ];
  if (c.mounts.length === 0) lines.push('*none*');
  for (const m of c.mounts) {
    lines.push(`- ${code(m.type)} ${code(m.source)} → ${code(m.destination)} (${m.rw ? 'read-write' : 'read-only'}, propagation ${code(m.propagation)})`);
  }
  return lines;
}

// --- making untrusted strings inert ---------------------------------------------------------

/** Control characters and bidi overrides shown as escapes; also removes line breaks. */
function visible(s: string): string {
  return terminalSafe(s, MAX_LINE);
}

function longestBacktickRun(s: string): number {
  return Math.max(0, ...(s.match(/`+/g) ?? []).map((run) => run.length));
}

/** An inline code span: delimited by a backtick run longer than any inside, so it cannot end early. */
function code(s: string): string {
  const content = visible(s);
  if (content === '') return '*empty*';
  const fence = '`'.repeat(longestBacktickRun(content) + 1);
  // Renderers strip one space from each end (unless all is spaces): content may start or end with a backtick or a space.
  const pad = /^[` ]|[` ]$/.test(content) && /[^ ]/.test(content) ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * A fenced block whose fence is longer than any backtick run inside, so no line can close it.
 * Each line is made visible on its own: a line break inside one shows as `\x0a`.
 */
function fenced(lines: string[], info: string): string[] {
  const shown = lines.map(visible);
  const fence = '`'.repeat(Math.max(3, ...shown.map((l) => longestBacktickRun(l) + 1)));
  return [`${fence}${info}`, ...shown, fence];
}

/**
 * Prose within a line (never at its start): the characters that open inline markup (emphasis,
 * code, links, HTML, entities, strikethrough, math, a heading's closing #s) backslash-escaped.
 */
function text(s: string): string {
  return visible(s).replace(/[\\`*_[\]<>&!~|#$]/g, '\\$&');
}
