// Signs that a server-side script is a webshell: request input reaching code or command
// execution (directly, or through a variable assigned earlier in the file), decode chains into
// eval, dangerous names built to dodge a grep, and the markers of well-known shells.
// The input is hostile and up to 256 KiB: every regex starts on a literal and bounds its
// repetition, loops are linear in the text, and the calls examined per file are capped.

import { Signs, type Script, type WebshellSign } from './collect.js';
import { fold } from './fold.js';
import { dialectOf, lex, type Family } from './lex.js';
import { markers, oneLiner } from './markers.js';
import { php } from './php.js';
import { jsp } from './jsp.js';
import { asp } from './asp.js';
import { lookup } from '../../json.js';

export type { WebshellSign };

const families: Record<string, Family> = {
  ...Object.fromEntries(['php', 'php3', 'php4', 'php5', 'php7', 'phtml', 'pht', 'phar', 'inc'].map((e) => [e, 'php'])),
  ...Object.fromEntries(['jsp', 'jspx', 'jspf'].map((e) => [e, 'jsp'])),
  ...Object.fromEntries(['asp', 'aspx', 'ashx', 'asmx', 'asa', 'cer'].map((e) => [e, 'asp'])),
};

/** Signs that a server-side script (php/jsp/asp(x)… by extension) is a backdoor. */
export function webshellSigns(content: string, extension: string): WebshellSign[] {
  const signs = new Signs(content);
  markers(content, signs);
  const ext = extension.replace(/^\./, '').toLowerCase();
  const family = lookup(families, ext);
  if (family) {
    const dialect = dialectOf(family, ext, content);
    const lexed = lex(content, dialect);
    const script: Script = { content, code: fold(lexed.code, dialect, signs), signs };
    if (family === 'php') php(script, lexed.shell);
    else if (family === 'jsp') jsp(script);
    else asp(script, dialect);
    oneLiner(content, signs);
  }
  return signs.list.sort((a, b) => a.line - b.line);
}
