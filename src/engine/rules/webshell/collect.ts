// Collecting: the signs of one file, deduplicated by line and capped, and bounded regex scans.

export interface WebshellSign {
  /** Stable id, e.g. 'eval-of-request-input'. */
  sign: string;
  description: string;
  /** The matching text, whitespace collapsed, at most 160 characters. */
  excerpt: string;
  /** 1-based line of the match. */
  line: number;
}

const MAX_SIGNS = 32;
/** Calls examined per pattern, so a file of a hundred thousand `eval(` stays cheap. */
export const MAX_CALLS = 2000;

export interface Script {
  content: string;
  /** The content with comments blanked and string building folded; offsets match `content`. */
  code: string;
  signs: Signs;
}

export class Signs {
  readonly list: WebshellSign[] = [];
  private readonly seen = new Set<string>();
  private lineStarts: number[] | undefined;
  constructor(private readonly text: string) {}

  add(sign: string, description: string, start: number, end = start + 160): void {
    const line = this.lineOf(start);
    const key = `${sign}\0${line}`;
    if (this.list.length >= MAX_SIGNS || this.seen.has(key)) return;
    this.seen.add(key);
    const excerpt = this.text.slice(start, Math.min(end, start + 400)).replace(/\s+/g, ' ').trim().slice(0, 160);
    this.list.push({ sign, description, excerpt, line });
  }

  private lineOf(index: number): number {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** Each match of a global regex, at most MAX_CALLS of them. */
export function* scan(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let n = 0, m = re.exec(text); m && n < MAX_CALLS; n++, m = re.exec(text)) {
    yield m;
    if (m[0] === '') re.lastIndex++;
  }
}
