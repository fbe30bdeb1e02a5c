// Markers of known shells, and the one-line China Chopper shape.

import type { Signs } from './collect.js';

const knownMarkers: ReadonlyArray<[RegExp, string]> = [
  [/\bFilesMan\b/, 'WSO/FilesMan webshell marker'],
  [/\bWSO[ _](?:VERSION\b|\d\.\d)/, 'WSO webshell version string'],
  [/\bc99(?:shell\b|_buff_prepare|_sess_put)/i, 'c99shell marker'],
  [/\br57shell\b/i, 'r57shell marker'],
  [/\bb374k\b/i, 'b374k webshell marker'],
  [/\bp0wny@shell\b/, 'p0wny-shell marker'],
  [/\bIndoXploit\b/i, 'IndoXploit webshell marker'],
  [/e45e329feb5d925b/, 'Behinder default key (md5("rebeyond"))'],
  [/3c6e0b8a9c15224a/, 'Godzilla default key (md5("key"))'],
  [/\bgetBasicsInfo\b/, 'Godzilla payload method name'],
];

export function markers(content: string, signs: Signs): void {
  for (const [re, description] of knownMarkers) {
    const m = re.exec(content);
    if (m) signs.add('known-webshell-marker', description, m.index, m.index + m[0].length);
  }
}

/** A whole file that is one request-to-execution line: the China Chopper shape. */
export function oneLiner(content: string, signs: Signs): void {
  if (content.length > 4096) return;
  const lines = content.split('\n').filter((l) => !/^\s*(?:<\?(?:php)?|\?>|<%|%>)?\s*$/i.test(l));
  if (lines.length !== 1 || lines[0]!.trim().length > 200) return;
  const hit = signs.list.some((s) => ['eval-of-request-input', 'command-of-request-input', 'request-chosen-function'].includes(s.sign));
  if (hit) signs.add('one-liner-webshell', 'the whole file is one request-to-execution line (China Chopper shape)', content.indexOf(lines[0]!.trim()));
}
