// Runs the compiled `vigil` bin as a user would (npm test builds dist first).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const VIGIL_BIN = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningVigil {
  child: ChildProcess;
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
  stdout(): string;
}

export function startVigil(args: string[], env: NodeJS.ProcessEnv = {}): RunningVigil {
  const child = spawn(process.execPath, [VIGIL_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stdout: () => stdout };
}

export function runVigil(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startVigil(args, env).done;
}

export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Polls (every `everyMs`) until the predicate holds, or fails after the timeout. */
export async function waitFor(predicate: () => boolean, timeoutMs = 15_000, what = 'condition', everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
