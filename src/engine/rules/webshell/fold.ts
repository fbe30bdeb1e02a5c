// Folding: string building undone, so a name built from pieces reads as the name.

import type { Signs } from './collect.js';
import type { Dialect } from './lex.js';

// Names whose construction out of pieces is itself a sign: nobody spells these 'as'.'sert'.
const builtNames = new Set([
  'eval', 'assert', 'create_function', 'system', 'exec', 'shell_exec', 'passthru', 'popen', 'proc_open',
  'pcntl_exec', 'call_user_func', 'call_user_func_array', 'preg_replace', '_post', '_get', '_request', '_cookie', '_server',
  'java.lang.runtime', 'java.lang.processbuilder', 'runtime', 'getruntime', 'processbuilder', 'defineclass',
  'javax.script.scriptenginemanager', 'wscript.shell', 'shell.application', 'cmd.exe', 'cmd /c', '/bin/sh', '/bin/bash',
  'execute', 'executeglobal', 'system.reflection.assembly', 'assembly', 'load', 'system.diagnostics.process', 'process',
]);

const phpAtom = String.raw`'(?:[^'\\\n]|\\.){0,80}'|"(?:[^"\\$\n]|\\.){0,80}"|chr\s*\(\s*(?:0x[0-9a-fA-F]{1,2}|\d{1,3})\s*\)`;
const phpAtoms = new RegExp(phpAtom, 'gi');
// Two pieces or more, or one double-quoted string with \x, octal or \u escapes in it.
const phpChain = new RegExp(
  String.raw`(?:${phpAtom})(?:\s*\.\s*(?:${phpAtom})){1,30}|"(?=[^"\n]{0,80}\\[xu0-7])(?:[^"\\$\n]|\\.){0,80}"`,
  'gi',
);
const phpLiteralCall = new RegExp(
  String.raw`\b(base64_decode|str_rot13|strrev|hex2bin|rawurldecode|urldecode|strtolower|str_replace)` +
    String.raw`\s*\(\s*((?:${phpAtom})(?:\s*,\s*(?:${phpAtom})){0,2})\s*\)`,
  'gi',
);
const cStringAtom = String.raw`"(?:[^"\\\n]|\\.){0,80}"`;
const otherChains: Record<Exclude<Dialect, 'php'>, RegExp> = {
  java: new RegExp(String.raw`${cStringAtom}(?:\s*\+\s*${cStringAtom}){1,30}`, 'g'),
  csharp: new RegExp(String.raw`${cStringAtom}(?:\s*\+\s*${cStringAtom}){1,30}`, 'g'),
  jscript: new RegExp(String.raw`(?:${cStringAtom}|'(?:[^'\\\n]|\\.){0,80}')(?:\s*\+\s*(?:${cStringAtom}|'(?:[^'\\\n]|\\.){0,80}')){1,30}`, 'g'),
  // A VB string with "" inside is left alone: names have no quotes, and the atom stays linear.
  vb: /(?:"[^"\n]{0,80}"|chrw?\s*\(\s*\d{1,5}\s*\))(?:\s*[&+]\s*(?:"[^"\n]{0,80}"|chrw?\s*\(\s*\d{1,5}\s*\))){1,30}/gi,
};

/**
 * Undoes string building: literal concatenations, chr() codes, escapes and decoders of literals
 * become one literal, padded to the same length so offsets hold. A dangerous name built this
 * way is a sign of its own.
 */
export function fold(code: string, dialect: Dialect, signs: Signs): string {
  const quote = dialect === 'php' ? "'" : '"';
  // One pass of String#replace per pattern: linear however many pieces there are.
  const rewrite = (text: string, re: RegExp, valueOf: (match: string, groups: string[]) => string | undefined) =>
    text.replace(re, (match: string, ...rest: unknown[]) => {
      const offset = rest[rest.length - 2] as number;
      const value = valueOf(match, rest.slice(0, -2) as string[]);
      if (value === undefined) return match;
      if (builtNames.has(value.toLowerCase())) {
        signs.add('obfuscated-function-name', `'${value}' is built from pieces to hide it`, offset, offset + match.length);
      }
      // Only names are put back: enough to resolve callees, and the lexing of the rest holds.
      if (!/^[\w.$\\ /-]{1,60}$/.test(value) || value.length + 2 > match.length) return match;
      return (quote + value + quote).padEnd(match.length, ' ');
    });
  if (dialect !== 'php') return rewrite(code, otherChains[dialect], (chain) => otherChainValue(chain, dialect));
  let out = code;
  // A second round when the first changed something, so strrev('tres'.'sa') resolves too.
  for (let round = 0, before = ''; round < 2 && out !== before; round++) {
    before = out;
    out = rewrite(out, phpChain, (chain) => chain.match(phpAtoms)!.map(phpAtomValue).join(''));
    out = rewrite(out, phpLiteralCall, (_, [name = '', args = '']) => applyLiteralFunction(name.toLowerCase(), args.match(phpAtoms)!.map(phpAtomValue)));
  }
  return out;
}

function phpAtomValue(atom: string): string {
  if (/^chr/i.test(atom)) return String.fromCharCode(Number(/\((\s*[\dxXa-fA-F]+)/.exec(atom)![1]!.trim()) & 0xff);
  const body = atom.slice(1, -1);
  if (atom.startsWith("'")) return body.replace(/\\([\\'])/g, '$1');
  return body.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|u\{[0-9a-fA-F]{1,6}\}|.)/g, (_, e: string) => {
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
    if (e.length === 1) return ({ n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', $: '$' } as Record<string, string>)[e] ?? `\\${e}`;
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return String.fromCodePoint(Math.min(parseInt(e.slice(2, -1), 16), 0x10ffff));
  });
}

function applyLiteralFunction(name: string, args: string[]): string | undefined {
  const [a = '', b = '', c = ''] = args;
  switch (name) {
    case 'base64_decode':
      return args.length === 1 && /^[A-Za-z0-9+/]{2,80}={0,2}$/.test(a) ? Buffer.from(a, 'base64').toString('latin1') : undefined;
    case 'str_rot13':
      return a.replace(/[a-z]/gi, (ch) => String.fromCharCode(((ch.charCodeAt(0) & 31) + 12) % 26 + (ch.charCodeAt(0) & 96) + 1));
    case 'strrev':
      return [...a].reverse().join('');
    case 'hex2bin':
      return /^(?:[0-9a-fA-F]{2}){1,40}$/.test(a) ? Buffer.from(a, 'hex').toString('latin1') : undefined;
    case 'rawurldecode':
    case 'urldecode':
      try {
        return decodeURIComponent(a);
      } catch {
        return undefined;
      }
    case 'strtolower':
      return a.toLowerCase();
    default:
      // str_replace(search, replace, subject)
      return args.length === 3 && b.length < a.length && a !== '' ? c.split(a).join(b) : undefined;
  }
}

function otherChainValue(chain: string, dialect: Exclude<Dialect, 'php'>): string {
  const atoms =
    dialect === 'vb'
      ? chain.match(/"[^"\n]{0,80}"|chrw?\s*\(\s*\d{1,5}\s*\)/gi)!
      : chain.match(/"(?:[^"\\\n]|\\.){0,80}"|'(?:[^'\\\n]|\\.){0,80}'/g)!;
  return atoms
    .map((a) => {
      if (/^chr/i.test(a)) return String.fromCharCode(Number(/\d+/.exec(a)![0]));
      const body = a.slice(1, -1);
      if (dialect === 'vb') return body;
      return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, e: string) =>
        e.length > 1 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e,
      );
    })
    .join('');
}
