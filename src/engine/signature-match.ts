// Content signatures (profiles/signatures.yaml) compiled once per profile: literal strings and
// regular expressions over a file's text content or a binary's printable strings, limited to
// the signature's in-container path globs.
import type { Severity } from './alert.js';
import { compilePathGlobs } from './match.js';
import type { Signature } from './signatures.js';

export interface SignatureMatch {
  id: string;
  kind: Signature['kind'];
  description: string;
  severity?: Severity;
  /** The strings and regex sources that matched. */
  matched: string[];
}

interface Compiled {
  signature: Signature;
  inPaths: (path: string) => boolean;
  tests: Array<{ source: string; test: (text: string) => boolean }>;
  all: boolean;
}

/** Compiles the profile's signatures once; matches a file's content or strings, restricted by the signature's path globs (picomatch, dot: true). */
export function compileSignatures(signatures: readonly Signature[]): (text: string, path: string) => SignatureMatch[] {
  const compiled: Compiled[] = signatures.map((signature) => {
    const globs = signature.paths && compilePathGlobs(signature.paths);
    return {
      signature,
      inPaths: globs ? (path) => globs(path) !== undefined : () => true,
      tests: [
        ...(signature.strings ?? []).map((s) => ({ source: s, test: (text: string) => text.includes(s) })),
        // `m`: in a binary's strings, one per line, ^ and $ anchor a single string.
        ...(signature.regex ?? []).map((source) => {
          const re = new RegExp(source, 'm');
          return { source, test: (text: string) => re.test(text) };
        }),
      ],
      all: signature.condition === 'all',
    };
  });
  return (text, path) => {
    const matches: SignatureMatch[] = [];
    for (const { signature: s, inPaths, tests, all } of compiled) {
      if (tests.length === 0 || !inPaths(path)) continue;
      const matched: string[] = [];
      for (const t of tests) {
        if (t.test(text)) matched.push(t.source);
        else if (all) break;
      }
      if (matched.length === 0 || (all && matched.length < tests.length)) continue;
      matches.push({ id: s.id, kind: s.kind, description: s.description, ...(s.severity && { severity: s.severity }), matched });
    }
    return matches;
  };
}
