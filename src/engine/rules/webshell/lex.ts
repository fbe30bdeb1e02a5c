// Lexing: blank comments, find shell strings; offsets and lines stay those of the text.

export type Family = 'php' | 'jsp' | 'asp';
/** How comments and strings are written, which decides what the lexer blanks. */
export type Dialect = 'php' | 'java' | 'csharp' | 'vb' | 'jscript';

export function dialectOf(family: Family, ext: string, content: string): Dialect {
  if (family === 'php') return 'php';
  if (family === 'jsp') return 'java';
  const language = /<%@[^%]{0,300}?\blanguage\s*=\s*["']?([a-z#]+)/i.exec(content)?.[1]?.toLowerCase();
  if (language === 'jscript' || language === 'javascript') return 'jscript';
  if (language === 'vb' || language === 'vbscript') return 'vb';
  if (language === 'c#' || language === 'csharp') return 'csharp';
  return ['asp', 'asa', 'cer'].includes(ext) ? 'vb' : 'csharp';
}

interface Lexed {
  /** The text with comments (and PHP's surrounding HTML) replaced by spaces, newlines kept: offsets and lines still match. */
  code: string;
  /** PHP backtick (shell) strings as [start, end). */
  shell: Array<[number, number]>;
}

export function lex(text: string, dialect: Dialect): Lexed {
  const parts: string[] = [];
  const shell: Array<[number, number]> = [];
  let kept = 0;
  const blank = (from: number, to: number) => {
    parts.push(text.slice(kept, from), text.slice(from, to).replace(/[^\n]+/g, (run) => ' '.repeat(run.length)));
    kept = to;
  };
  const n = text.length;
  let inCode = dialect !== 'php';
  let i = 0;
  while (i < n) {
    if (!inCode) {
      // Text outside <?php … ?> is output, not code.
      const open = text.indexOf('<?', i);
      blank(i, open < 0 ? n : open);
      if (open < 0) break;
      i = open + 2;
      inCode = true;
      continue;
    }
    const c = text[i]!;
    const d = text[i + 1];
    if (dialect === 'php' && c === '?' && d === '>') {
      inCode = false;
      i += 2;
    } else if (c === '"' || c === '`' || (c === "'" && (dialect === 'php' || dialect === 'jscript'))) {
      const end = stringEnd(text, i, dialect !== 'vb' && !(c === '"' && text[i - 1] === '@' && dialect === 'csharp'));
      if (c === '`' && dialect === 'php') shell.push([i, end]);
      i = end;
    } else if (c === "'" && dialect === 'vb') {
      const end = lineEnd(text, i, false);
      blank(i, end);
      i = end;
    } else if (c === "'") {
      // A Java or C# character literal; anything else is an ordinary character.
      const literal = /'(?:\\u[0-9a-fA-F]{4}|\\.|[^'\\\n])'/y;
      literal.lastIndex = i;
      i = literal.test(text) ? literal.lastIndex : i + 1;
    } else if (c === '/' && d === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      blank(i, end);
      i = end;
    } else if ((c === '/' && d === '/' && dialect !== 'vb') || (c === '#' && d !== '[' && dialect === 'php')) {
      const end = lineEnd(text, i, dialect === 'php');
      blank(i, end);
      i = end;
    } else if (c === '<' && dialect !== 'php' && text.startsWith('<%--', i)) {
      const close = text.indexOf('--%>', i + 4);
      const end = close < 0 ? n : close + 4;
      blank(i, end);
      i = end;
    } else if (c === '<' && dialect === 'php' && text.startsWith('<<<', i)) {
      i = heredocEnd(text, i);
    } else {
      i++;
    }
  }
  parts.push(text.slice(kept));
  return { code: parts.join(''), shell };
}

/** The index after the string opening at `i` (`limit` when it does not close before). */
export function stringEnd(text: string, i: number, backslashEscapes: boolean, limit = text.length): number {
  const quote = text[i];
  for (let j = i + 1; j < limit; j++) {
    const c = text[j];
    if (c === '\\' && backslashEscapes) j++;
    else if (c === quote) return j + 1;
  }
  return limit;
}

/** Where a line comment starting at `i` ends; a PHP one also ends before `?>`. */
function lineEnd(text: string, i: number, php: boolean): number {
  const nl = text.indexOf('\n', i);
  const end = nl < 0 ? text.length : nl;
  if (!php) return end;
  const close = text.indexOf('?>', i);
  return close >= 0 && close < end ? close : end;
}

function heredocEnd(text: string, i: number): number {
  const open = /<<<[ \t]*(['"]?)([A-Za-z_]\w{0,64})\1\r?\n/y;
  open.lastIndex = i;
  const m = open.exec(text);
  if (!m) return i + 3;
  const close = new RegExp(`\\n[ \\t]*${m[2]}\\b`, 'g');
  close.lastIndex = open.lastIndex - 1;
  const end = close.exec(text);
  return end ? close.lastIndex : text.length;
}
