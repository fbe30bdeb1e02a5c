// Opens the workbench full screen on the alternate screen buffer, and puts the terminal back on
// every way out: q, Ctrl+C, SIGTERM, a crash. Follows terminal resizes.
import { render, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { App, type WorkbenchProps } from './app.js';

/**
 * Ink's options for the workbench (bench/tui-burst.js renders with them too). The data is paced
 * where it is published (model/frame.ts), so the frame-rate cap only bounds frames that keys
 * cause; at the data's own 20 a second, it held each keypress's frame up to 50 ms behind the
 * last frame of alerts.
 */
export const renderOptions = { exitOnCtrlC: false, patchConsole: false, maxFps: 60 } as const;

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l\x1b[?25h';

function Sized(props: Omit<WorkbenchProps, 'columns' | 'rows'>) {
  const { stdout } = useStdout();
  const [size, setSize] = useState({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  useEffect(() => {
    const onResize = () => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return <App {...props} columns={size.columns} rows={size.rows} />;
}

/** Runs the workbench until the operator quits; `cleanup` runs once whichever way it ends. */
export async function runWorkbench(props: Omit<WorkbenchProps, 'columns' | 'rows' | 'onQuit'>, cleanup: () => Promise<void>): Promise<void> {
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.stdout.write(LEAVE_ALT_SCREEN);
  };
  const onSignal = () => instance.unmount();
  const onCrash = (err: unknown) => {
    restore();
    process.stderr.write(`vigil: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  process.stdout.write(ENTER_ALT_SCREEN);
  process.once('exit', restore);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', onCrash);
  const instance = render(<Sized {...props} onQuit={() => {}} />, renderOptions);
  try {
    await instance.waitUntilExit();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', onCrash);
    restore();
    await cleanup();
  }
}
