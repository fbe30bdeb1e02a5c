// malware.ransomware: in one container, a burst of renames to unknown extensions or of rewrites
// whose content looks encrypted (high byte entropy); a ransom note appearing (by name, or by
// a ransomware signature on its text); a bait file vigil planted being touched.
import { extname } from 'node:path/posix';
import picomatch from 'picomatch';
import type { EventOf } from '../events.js';
import { defineRule, type Finding, NONE } from '../rule.js';
import { compileSignatures } from '../signature-match.js';
import { addTo, SlidingWindows } from './sliding-window.js';

/** Formats that are compressed or encrypted by design: rewriting one proves nothing. */
const DENSE = new Set(['gz', 'tgz', 'bz2', 'xz', 'zst', 'br', 'zip', '7z', 'rar', 'jar', 'war', 'apk', 'deb', 'rpm', 'jpg', 'jpeg', 'png', 'gif', 'webp', 'mp3', 'mp4', 'mkv', 'avi', 'mov', 'pdf', 'docx', 'xlsx', 'pptx', 'woff', 'woff2', 'gpg', 'pgp']);
/** Sample paths kept in a burst's evidence. */
const SAMPLE = 10;

type Change = EventOf<'files/file.change'>;

export default defineRule({
  id: 'malware.ransomware',
  category: 'malware',
  severity: 'critical',
  title: { en: 'Ransomware', zh: '勒索软件' },
  mitre: 'T1486',
  consumes: ['files/file.change'],
  create: (profile) => {
    const { burst, minEntropy, knownExtensions, noteNames, bait } = profile.ransomware;
    const known = new Set(knownExtensions.map((e) => e.toLowerCase()));
    // Matched against the file name (the globs have no slashes), taken here: picomatch's own
    // basename matching costs more than the rest of the rule.
    const isNoteName = picomatch(noteNames, { nocase: true, dot: true });
    const isNote = (path: string) => isNoteName(path.slice(path.lastIndexOf('/') + 1));
    const baits = new Set(bait.enabled ? bait.paths : []);
    const noteSignatures = compileSignatures(profile.signatures.filter((s) => s.kind === 'ransomware'));
    // Per container and kind of burst, with the paths of the events counted.
    const bursts = new SlidingWindows<string, undefined>(burst.windowSeconds * 1000, () => undefined, 4096);

    const unknownExtension = (path: string, previous: string) => {
      const ext = extname(path).slice(1).toLowerCase();
      return ext !== '' && ext !== extname(previous).slice(1).toLowerCase() && !known.has(ext) && !/^\d+$/.test(ext);
    };

    function count(event: Change, kind: 'rename' | 'rewrite'): readonly Finding[] {
      const now = Date.parse(event.ts);
      const b = bursts.at(`${event.data.containerId}\0${kind}`, now);
      addTo(b, now, event.seq, event.data.path);
      if (b.times.length < burst.count) return NONE;
      const what = kind === 'rename' ? 'files renamed to unknown extensions' : 'files rewritten with encrypted-looking content';
      return [
        {
          key: `burst\0${kind}`,
          containerId: event.data.containerId,
          summary: `${b.times.length} ${what} within ${burst.windowSeconds}s`,
          evidence: {
            sign: kind === 'rename' ? 'rename-burst' : 'high-entropy-rewrites',
            count: b.times.length,
            windowSeconds: burst.windowSeconds,
            ...(kind === 'rewrite' && { minEntropy }),
            extensions: [...new Set(b.items.map((p) => extname(p).slice(1)))].slice(0, SAMPLE),
            paths: b.items.slice(-SAMPLE),
          },
          events: b.seqs.slice(-20),
        },
      ];
    }

    return (event) => {
      const c = event.data;
      const findings: Finding[] = [];
      const touched = c.action === 'renamed' ? c.previousPath : c.path;
      if (touched !== undefined && baits.has(touched) && c.action !== 'created' && c.action !== 'present') {
        findings.push({
          key: `bait\0${touched}`,
          containerId: c.containerId,
          summary: `bait file ${touched} was ${c.action === 'attributes' ? 'given a new mode' : c.action}${c.action === 'renamed' ? ` to ${c.path}` : ''}`,
          evidence: { sign: 'bait-file', path: touched, action: c.action, ...(c.entropy !== undefined && { entropy: c.entropy }) },
        });
      }
      if (c.action === 'renamed' && c.previousPath !== undefined && unknownExtension(c.path, c.previousPath)) findings.push(...count(event, 'rename'));
      // Encrypted content where plain content was (a rewrite), or under a new unknown extension
      // (an encrypted copy, or the file renamed once encrypted, which a batch sees as one
      // rename): package caches and downloads are neither.
      const encrypted = c.entropy !== undefined && c.entropy >= minEntropy && c.size >= 512;
      const rewrite = c.action === 'modified' && !DENSE.has(extname(c.path).slice(1).toLowerCase());
      const copy = (c.action === 'created' || c.action === 'renamed') && unknownExtension(c.path, c.previousPath ?? '');
      if (encrypted && (rewrite || copy)) findings.push(...count(event, 'rewrite'));
      if (c.action === 'created' || c.action === 'renamed' || c.action === 'present' || c.action === 'modified') {
        const byName = isNote(c.path);
        const bySignature = c.content !== undefined ? noteSignatures(c.content, c.path) : [];
        if (byName || bySignature.length > 0) {
          findings.push({
            key: `note\0${c.path}`,
            containerId: c.containerId,
            severity: 'high',
            summary: `ransom note ${c.path} appeared`,
            evidence: {
              sign: 'ransom-note',
              path: c.path,
              ...(byName && { matchedName: true }),
              ...(bySignature.length > 0 && { signatures: bySignature.map((s) => s.id) }),
              ...(c.content !== undefined && { excerpt: c.content.slice(0, 400) }),
            },
          });
        }
      }
      return findings;
    };
  },
});
