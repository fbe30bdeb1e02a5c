// Interactive changes (whitelist toggles, alert acknowledgements) kept across runs in one
// JSON file, written atomically so a crash leaves either the old or the new state, never half.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { z } from 'zod';

// Strict, so content this version does not understand is backed up rather than dropped on the next write.
const stateSchema = z.strictObject({
  version: z.literal(1),
  whitelist: z.array(
    z.strictObject({ image: z.string(), process: z.string(), enabled: z.boolean(), addedAt: z.string() }),
  ),
  acks: z.record(z.string(), z.strictObject({ at: z.string() })),
});

export type StateData = z.infer<typeof stateSchema>;

/** StateData as callers see it outside update(): changes must go through update() to be saved. */
export type ReadonlyStateData = {
  readonly version: 1;
  readonly whitelist: ReadonlyArray<Readonly<StateData['whitelist'][number]>>;
  readonly acks: Readonly<Record<string, Readonly<StateData['acks'][string]>>>;
};

export interface StateStore {
  readonly path: string;
  readonly data: ReadonlyStateData;
  /** Applies `fn` to a copy of the state, then saves it; if `fn` throws, nothing changes. */
  update(fn: (data: StateData) => void): Promise<void>;
}

export interface StateStoreOptions {
  /** Receives one line per problem the store recovered from (e.g. a corrupt file it set aside). */
  onWarning: (line: string) => void;
}

function emptyState(): StateData {
  return { version: 1, whitelist: [], acks: {} };
}

/** `$XDG_STATE_HOME/vigil/state.json`, else `~/.local/state/vigil/state.json`. */
export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  // The XDG base directory spec says relative paths in these variables are to be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'vigil', 'state.json');
}

/** Opens the state file at `path`; a missing file starts empty and is created on the first update. */
export async function openStateStore(path: string, options: StateStoreOptions): Promise<StateStore> {
  const db = new Low<StateData>(new AtomicJsonFile(path, options.onWarning), emptyState());
  await db.read();
  return {
    path,
    get data(): ReadonlyStateData {
      return db.data;
    },
    async update(fn) {
      // Work on a copy so a throwing fn cannot leave a half-applied change in memory.
      const draft = structuredClone(db.data);
      fn(draft);
      // Refuse to save a shape the next run would have to treat as corrupt.
      db.data = stateSchema.parse(draft);
      await db.write();
    },
  };
}

/** A lowdb adapter that validates on read and replaces the file atomically on write. */
class AtomicJsonFile implements Adapter<StateData> {
  // Writes run one at a time, in call order, so the last update's data is what ends up on disk.
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly onWarning: (line: string) => void,
  ) {}

  async read(): Promise<StateData | null> {
    let raw: Buffer;
    try {
      raw = await readFile(this.path);
    } catch (err) {
      // Not there yet: start empty. Other errors (permissions, a directory) are for the user to fix.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const problem = parseState(raw);
    if (typeof problem !== 'string') return problem;
    const backup = `${this.path}.corrupt-${new Date().toISOString().replaceAll(':', '-')}`;
    // The exact bytes judged corrupt; 'wx' so an earlier backup is never overwritten.
    await writeFile(backup, raw, { flag: 'wx', mode: 0o600 });
    this.onWarning(`state file ${this.path} was corrupt (${problem}); saved a copy as ${backup} and started empty`);
    // Reset now, so the next run does not back up the same corrupt file again.
    const fresh = emptyState();
    await this.write(fresh);
    return fresh;
  }

  write(data: StateData): Promise<void> {
    // Serialise now: data may change again before this write's turn comes.
    const text = `${JSON.stringify(data, null, 2)}\n`;
    const run = this.queue.then(() => this.replace(text));
    // A failed write is reported to its own caller; later writes still get their turn.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async replace(text: string): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Same directory as the target, so the rename cannot cross filesystems.
    const temp = join(dir, `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        // The umask can only clear bits of the mode given to open; make it exactly 0600.
        await file.chmod(0o600);
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    // Make the rename itself durable.
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }
}

/** The state in `raw`, or why it is not one. */
function parseState(raw: Buffer): StateData | string {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'not valid JSON';
  }
  const result = stateSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return issue && issue.path.length > 0 ? `unexpected content at '${issue.path.join('.')}'` : 'unexpected content';
}
