// Tolerant readers for untrusted JSON (Kubernetes objects and API answers): each yields the
// value when it has the expected type and an empty one otherwise, so hostile input never throws.

export type Json = Record<string, unknown>;

export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Json => (isRecord(v) ? v : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === 'string');

/** `table[key]` for a key from untrusted input: 'constructor' or '__proto__' must not find Object's. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
