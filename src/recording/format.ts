// The recording format: a JSON Lines file whose first line is a header and whose other lines
// are events exactly as the engine saw them, gzip-compressed when the name ends in `.gz`.
// Writer and reader both build on the definitions here, so the two cannot drift apart.
import { z } from 'zod';
import { terminalSafe } from '../text/terminal-safe.js';

export const RECORDING_FORMAT = 'vigil-recording';
export const RECORDING_VERSION = 1;

// Unknown extra keys are accepted and dropped, so a later minor addition stays readable.
const recordingHeaderSchema = z.object({
  format: z.literal(RECORDING_FORMAT),
  version: z.literal(RECORDING_VERSION),
  host: z.string(),
  startedAt: z.string(),
  vigilVersion: z.string(),
});

/** The first line of every recording. Key order on disk: format, version, host, startedAt, vigilVersion. */
export type RecordingHeader = z.infer<typeof recordingHeaderSchema>;

export type HeaderCheck = { ok: true; header: RecordingHeader } | { ok: false; message: string };

/** Validates a parsed first line. The messages are phrased to follow `<path>: `. */
export function checkHeader(value: unknown): HeaderCheck {
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  if (fields.format !== RECORDING_FORMAT) {
    return { ok: false, message: 'not a vigil recording (first line is not a header)' };
  }
  // Checked before the other fields: a newer version may have changed them legitimately.
  if (fields.version !== RECORDING_VERSION) {
    const found = fields.version === undefined ? 'without a version' : `version ${shown(fields.version)}`;
    return { ok: false, message: `unsupported recording ${found} (this vigil reads version ${RECORDING_VERSION})` };
  }
  const parsed = recordingHeaderSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const detail = issue ? `${issue.path.map(String).join('.') || 'header'}: ${issue.message}` : 'malformed';
    return { ok: false, message: `invalid recording header (${detail})` };
  }
  return { ok: true, header: parsed.data };
}

/**
 * A value of the file as a message shows it: a scalar as JSON, cut and safe to print; a list or
 * object by its kind (printing one whole could be huge, or nested too deep to stringify).
 */
function shown(value: unknown): string {
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'an object';
  return terminalSafe(JSON.stringify(value), 40);
}

/** Whether a recording path is gzip-compressed; decided by name alone so writing and reading agree. */
export function isGzipPath(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

// errno codes an operator meets with recordings, in words that need no lookup.
const ioErrorText: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ELOOP: 'is a symbolic link, which vigil does not follow',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
};

/** One line describing a file-system or zlib error, for messages that must stay one line. */
export function describeIoError(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const known = typeof code === 'string' ? ioErrorText[code] : undefined;
  if (known) return known;
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  // zlib codes are all Z_*; its bare messages ("incorrect header check") need the context.
  return typeof code === 'string' && code.startsWith('Z_') ? `corrupt gzip data: ${message}` : message;
}
