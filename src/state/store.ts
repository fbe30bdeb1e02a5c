// Interactive changes (whitelist toggles, alert acknowledgements) kept across runs in one
// JSON file, written atomically so a crash leaves either the old or the new state, never half.
// A state file that cannot be read or written never stops vigil: changes then hold for the
// session only, and the store says so (a warning line, and `problem` while it lasts).
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
  /** Why changes are not being saved to the file just now; undefined while they are. */
  readonly problem: string | undefined;
  /**
   * Applies `fn` to a copy of the state, then saves it; if `fn` throws, nothing changes. A save
   * that fails does not reject: the change holds in memory and `problem` says why.
   */
  update(fn: (data: StateData) => void): Promise<void>;
}

export interface StateStoreOptions {
  /**
   * One line per problem the store met: a corrupt file set aside (`lasting` false: the file works
   * again), a file that cannot be read or saved (`lasting`: changes hold for this session only).
   */
  onWarning: (line: string, lasting: boolean) => void;
  /** Saving works again after failing. */
  onRecovered?: (line: string) => void;
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
  const file = new AtomicJsonFile(path, options);
  const db = new Low<StateData>(file, emptyState());
  await db.read();
  return {
    path,
    get data(): ReadonlyStateData {
      return db.data;
    },
    get problem() {
      return file.problem;
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

/**
 * A lowdb adapter that validates on read and replaces the file atomically on write. Write errors
 * are reported, not thrown; a file that could not be read is never written (what it holds would
 * be lost), which is the store's read-only mode.
 */
class AtomicJsonFile implements Adapter<StateData> {
  // Writes run one at a time, in call order, so the last update's data is what ends up on disk.
  private queue: Promise<void> = Promise.resolve();
  private readOnly: string | undefined;
  private failing: string | undefined;

  constructor(
    private readonly path: string,
    private readonly report: StateStoreOptions,
  ) {}

  get problem(): string | undefined {
    return this.readOnly ?? this.failing;
  }

  async read(): Promise<StateData | null> {
    let raw: Buffer;
    try {
      raw = await readFile(this.path);
    } catch (err) {
      // Not there yet: start empty.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return this.startReadOnly(`cannot be read (${reason(err)})`);
    }
    const problem = parseState(raw);
    if (typeof problem !== 'string') return problem;
    const backup = `${this.path}.corrupt-${new Date().toISOString().replaceAll(':', '-')}`;
    try {
      // The exact bytes judged corrupt; 'wx' so an earlier backup is never overwritten.
      await writeFile(backup, raw, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      return this.startReadOnly(`was corrupt (${problem}) and no copy could be saved (${reason(err)})`);
    }
    this.report.onWarning(`state file ${this.path} was corrupt (${problem}); saved a copy as ${backup} and started empty`, false);
    // Reset now, so the next run does not back up the same corrupt file again.
    const fresh = emptyState();
    await this.write(fresh);
    return fresh;
  }

  write(data: StateData): Promise<void> {
    if (this.readOnly) return Promise.resolve();
    // Serialise now: data may change again before this write's turn comes.
    const text = `${JSON.stringify(data, null, 2)}\n`;
    this.queue = this.queue.then(() => this.save(text));
    return this.queue;
  }

  private startReadOnly(why: string): StateData {
    this.readOnly = `state file ${why}: left untouched, changes hold for this session only`;
    this.report.onWarning(`state file ${this.path} ${why}; leaving it untouched: whitelist and acknowledgement changes hold for this session only`, true);
    return emptyState();
  }

  /** Replaces the file, and reports when saving starts or stops failing (once per change). */
  private async save(text: string): Promise<void> {
    try {
      await this.replace(text);
    } catch (err) {
      const first = this.failing === undefined;
      this.failing = `state file cannot be saved (${reason(err)}): changes hold for this session only`;
      if (first) this.report.onWarning(`state file ${this.path} cannot be saved (${reason(err)}); changes hold for this session only until it can`, true);
      return;
    }
    if (this.failing !== undefined) {
      this.failing = undefined;
      this.report.onRecovered?.(`state file ${this.path} saved again`);
    }
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

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
