// vigil's command line (SPEC §6). Every failure a user can cause ends in one line and exit 2.
import { loadProfile, ProfileError } from '../profile/load.js';
import { vigilVersion } from '../runtime/version.js';
import { helpText } from './help.js';
import { alertPrinter } from './output.js';
import { rulesCommand } from './rules-command.js';
import { runAuditLog, runK8sAuditLog, runLive, runReplay } from './run.js';
import { EXIT_USAGE, parseCommandArgs, parseSeconds, UsageError } from './usage.js';

const common = {
  profile: { type: 'string' },
  record: { type: 'string' },
  'keep-env-values': { type: 'boolean' },
  state: { type: 'string' },
} as const;

export async function main(argv: string[]): Promise<number> {
  // A reader that goes away (`vigil detect | head`) ends a live run cleanly, recording closed.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.emit('SIGTERM');
  });
  try {
    return await dispatch(argv);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ProfileError) {
      for (const line of err.message.split('\n')) process.stderr.write(`vigil: ${line}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(helpText);
    return 0;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${vigilVersion}\n`);
    return 0;
  }
  switch (command) {
    case 'detect':
      return detect(rest);
    case 'record':
      return record(rest);
    case 'rules': {
      const { values } = parseCommandArgs(rest, { json: { type: 'boolean' } });
      rulesCommand(values.json === true);
      return 0;
    }
    default:
      if (command !== undefined && !command.startsWith('-')) throw new UsageError(`unknown command ${JSON.stringify(command)} (see vigil --help)`);
      return workbench(argv);
  }
}

/** `vigil [--replay FILE]`: the workbench on a terminal; alert lines when output is not one. */
async function workbench(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { ...common, replay: { type: 'string' }, lang: { type: 'string' } });
  if (values.lang !== undefined && values.lang !== 'en' && values.lang !== 'zh') throw new UsageError(`--lang must be en or zh, got ${JSON.stringify(values.lang)}`);
  const profile = await loadProfile(values.profile);
  if (process.stdout.isTTY && process.stdin.isTTY) {
    const { liveWorkbench, replayWorkbench } = await import('./workbench-command.js');
    const options = { profile, lang: values.lang === 'zh' ? ('zh' as const) : ('en' as const), statePath: values.state, keepEnvValues: values['keep-env-values'] === true, recordPath: values.record };
    if (values.replay !== undefined) await replayWorkbench(values.replay, options);
    else await liveWorkbench(options);
    return 0;
  }
  const base = { profile, onAlert: alertPrinter(false), ...(values.record !== undefined && { recordPath: values.record }) };
  if (values.replay !== undefined) await runReplay(values.replay, base);
  else {
    process.stderr.write('vigil: watching this host (docker, kernel audit, /proc); alerts appear below as they happen; Ctrl+C stops\n');
    await runLive({ ...base, ...liveOptions(values) });
  }
  return 0;
}

async function detect(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    ...common,
    live: { type: 'boolean' },
    duration: { type: 'string' },
    replay: { type: 'string' },
    'audit-log': { type: 'string' },
    'k8s-audit': { type: 'string' },
    json: { type: 'boolean' },
  });
  const offline = [values.replay !== undefined && '--replay', values['audit-log'] !== undefined && '--audit-log', values['k8s-audit'] !== undefined && '--k8s-audit'].filter(Boolean);
  if (offline.length + (values.live ? 1 : 0) > 1) throw new UsageError(`${[values.live && '--live', ...offline].filter(Boolean).join(' and ')} cannot be combined (see vigil --help)`);
  const durationSeconds = parseSeconds(values.duration, '--duration');
  if (durationSeconds !== undefined && offline.length > 0) throw new UsageError('--duration applies to --live only');
  const profile = await loadProfile(values.profile);
  const base = { profile, onAlert: alertPrinter(values.json === true), ...(values.record !== undefined && { recordPath: values.record }) };
  if (values.replay !== undefined) await runReplay(values.replay, base);
  else if (values['audit-log'] !== undefined) await runAuditLog(values['audit-log'], base);
  else if (values['k8s-audit'] !== undefined) await runK8sAuditLog(values['k8s-audit'], base);
  else await runLive({ ...base, ...liveOptions(values), ...(durationSeconds !== undefined && { durationSeconds }) });
  return 0;
}

function liveOptions(values: { 'keep-env-values'?: boolean; state?: string }) {
  return { keepEnvValues: values['keep-env-values'] === true, ...(values.state !== undefined && { statePath: values.state }) };
}

/** `vigil record FILE`: live sources to a recording; alerts are not printed. */
async function record(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...common, duration: { type: 'string' } }, 1);
  const file = positionals[0] ?? values.record;
  if (file === undefined) throw new UsageError('vigil record needs a FILE to record to (see vigil --help)');
  const durationSeconds = parseSeconds(values.duration, '--duration');
  const profile = await loadProfile(values.profile);
  let alerts = 0;
  await runLive({
    profile,
    onAlert: () => alerts++,
    recordPath: file,
    ...liveOptions(values),
    ...(durationSeconds !== undefined && { durationSeconds }),
  });
  process.stderr.write(`vigil: recorded to ${file} (${alerts} alert${alerts === 1 ? '' : 's'} raised while recording)\n`);
  return 0;
}
