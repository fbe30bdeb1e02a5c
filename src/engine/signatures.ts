// Content signatures (the format of profiles/signatures.yaml): literal strings and regular
// expressions over a file's content, or a binary's printable strings.
import { z } from 'zod';
import { regex, severities } from './profile.js';

export const signatureKinds = ['miner', 'webshell', 'backdoor', 'ransomware', 'malware'] as const;

export const signatureSchema = z.strictObject({
  /** Stable name, reported in the evidence. */
  id: z.string().min(1),
  description: z.string(),
  /** Which rule reports it: `webshell` → malware.webshell, `ransomware` notes → malware.ransomware, the rest → malware.unclassified. */
  kind: z.enum(signatureKinds),
  severity: z.enum(severities).optional(),
  /** In-container path globs it applies to; all files when absent. */
  paths: z.array(z.string()).optional(),
  /** Literal strings (case-sensitive). */
  strings: z.array(z.string().min(1)).optional(),
  /** Regular expressions (JavaScript syntax). */
  regex: z.array(regex).optional(),
  /** `any` (default): one string or regex matches; `all`: every one does. */
  condition: z.enum(['any', 'all']).optional(),
});
export type Signature = z.infer<typeof signatureSchema>;

export const signatureFileSchema = z.strictObject({ signatures: z.array(signatureSchema) });
