// Glob matching for policy lists, compiled once per profile. Each matcher answers with the
// pattern that matched, so evidence can name the policy entry behind a finding.
import picomatch from 'picomatch';
import type { ContainerSnapshot } from './events.js';
import { normalisePath } from './state/mounts.js';

export type Matcher = (value: string) => string | undefined;

export function compileGlobs(patterns: readonly string[]): Matcher {
  const compiled = patterns.map((p) => ({ p, test: picomatch(p, { dot: true }) }));
  return (value) => compiled.find((c) => c.test(value))?.p;
}

/** Host or container paths: matched in normalised form, so `/etc/` and `/etc//x/..` behave. */
export function compilePathGlobs(patterns: readonly string[]): Matcher {
  const match = compileGlobs(patterns);
  return (path) => match(normalisePath(path));
}

/**
 * The forms an image reference is matched in: as given, with the implied `:latest`, and fully
 * qualified (`docker.io/library/…`), so `nginx:*`, `docker.io/library/nginx:*` both match `nginx`.
 */
export function imageReferenceForms(image: string): string[] {
  const forms = new Set([image]);
  const [name, digest] = image.split('@', 2) as [string, string | undefined];
  const lastSlash = name.lastIndexOf('/');
  const tagged = name.slice(lastSlash + 1).includes(':');
  const withTag = tagged || digest ? image : `${name}:latest`;
  forms.add(withTag);
  const first = name.split('/', 1)[0]!;
  const hasRegistry = lastSlash > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry && !image.startsWith('sha256:')) {
    forms.add(`docker.io/${lastSlash < 0 ? 'library/' : ''}${withTag}`);
  }
  return [...forms];
}

/** The digests an image is known by: its id, its repo digests, a digest in the reference. */
export function imageDigests(container: ContainerSnapshot): string[] {
  const digests = [container.imageId, ...container.imageDigests.map((d) => d.slice(d.indexOf('@') + 1))];
  const at = container.image.indexOf('@');
  if (at >= 0) digests.push(container.image.slice(at + 1));
  if (container.image.startsWith('sha256:')) digests.push(container.image);
  return digests.filter(Boolean);
}

/**
 * Image globs or `sha256:` digests -> the entry that matches a container's image. Rules ask this
 * of a container's every event, so the answer is kept per snapshot (a new snapshot, a new answer).
 */
export function compileImageMatcher(patterns: readonly string[]): (container: ContainerSnapshot) => string | undefined {
  const digests = new Set(patterns.filter((p) => /^sha256:[0-9a-f]+$/i.test(p)).map((p) => p.toLowerCase()));
  const globs = compileGlobs(patterns.filter((p) => !digests.has(p.toLowerCase())));
  const match = (container: ContainerSnapshot): string | undefined => {
    for (const d of imageDigests(container)) if (digests.has(d.toLowerCase())) return d;
    for (const form of imageReferenceForms(container.image)) {
      const hit = globs(form);
      if (hit) return hit;
    }
    return undefined;
  };
  const answers = new WeakMap<ContainerSnapshot, string | null>();
  return (container) => {
    let answer = answers.get(container);
    if (answer === undefined) {
      answer = match(container) ?? null;
      answers.set(container, answer);
    }
    return answer ?? undefined;
  };
}

/**
 * A quick "could any of these match?" over several regular expressions: their union, tested in
 * one pass, so the common text that matches none is rejected without a pass per pattern (they
 * are then tested one by one to name the match). A set whose union cannot be formed (numbered
 * backreferences, repeated group names) answers yes, leaving the patterns to decide.
 */
export function compileUnion(patterns: readonly string[], flags = ''): (text: string) => boolean {
  if (patterns.length === 0) return () => false;
  if (patterns.some((p) => /\\[1-9]/.test(p))) return () => true;
  try {
    const union = new RegExp(patterns.map((p) => `(?:${p})`).join('|'), flags);
    return (text) => union.test(text);
  } catch {
    return () => true;
  }
}
