// The workbench: one component owns the screen state and dispatches named commands from the
// keymap; data (alerts, status, replay position) comes from stores outside React, read with
// useSyncExternalStore and paced to data frames (model/frame.ts), so bursts of alerts or replay
// steps cost one render per frame.
import { Box, Text, useApp, useInput, type Key } from 'ink';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Alert, Severity } from '../engine/alert.js';
import type { Engine } from '../engine/engine.js';
import type { Profile } from '../engine/profile.js';
import { catalogue } from '../engine/rules/index.js';
import { processName } from '../engine/rules/process-facts.js';
import type { WhitelistService } from '../runtime/whitelist.js';
import { commandFor, keyName, keypresses, type Screen } from './keymap.js';
import { alertContext } from './model/alert-context.js';
import { filterAlerts, type AlertStore } from './model/alert-store.js';
import type { EventWindow } from './model/event-window.js';
import { paced } from './model/frame.js';
import type { StatusModel } from './model/status.js';
import { fit } from './text.js';
import { useImmediateState } from './use-immediate-state.js';
import { AlertList, windowStart } from './views/alert-list.js';
import { CategoryTree, nodeKey, treeNodes } from './views/category-tree.js';
import type { BootClock } from './views/detail/process-tree.js';
import { DetailView, detailLines, tabCount } from './views/detail-view.js';
import { HelpView } from './views/help-view.js';
import { noSourceHint, StatusLine, type ReplayStatus } from './views/status-line.js';
import { WhitelistView, whitelistRows, type UndoStep } from './views/whitelist-view.js';

/** What the workbench needs from a replay (the replay player provides it). */
export interface ReplayControls {
  subscribe(listener: () => void): () => void;
  getState(): ReplayStatus;
  togglePause(): void;
  faster(): void;
  slower(): void;
  step(): void;
  nextAlert(): void;
  previousAlert(): void;
  seekStart(): void;
  seekEnd(): void;
}

export interface WorkbenchProps {
  mode: 'live' | 'replay';
  lang: 'en' | 'zh';
  store: AlertStore;
  status: StatusModel;
  events: EventWindow;
  /** The engine now running (a replay seeking back starts a new one). */
  engine: () => Engine;
  profile: Profile;
  replay?: ReplayControls;
  whitelist?: WhitelistService;
  persistAcks?: (ids: string[]) => Promise<void>;
  toggleRecording?: () => Promise<string>;
  exportAlerts: (alerts: Alert[]) => Promise<string>;
  /** Live only: turns process start times into dates (a recording's host booted at an unknown time). */
  clock?: BootClock;
  onQuit: () => void;
  columns: number;
  rows: number;
}

const severityCycle: (Severity | undefined)[] = [undefined, 'low', 'medium', 'high', 'critical'];
const noReplay = { subscribe: () => () => {}, getState: () => undefined };

export function App(props: WorkbenchProps) {
  const { store, status, lang, mode, columns, rows } = props;
  const { exit } = useApp();
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const statusSubscribe = useMemo(() => paced(status.subscribe), [status]);
  const statusSnapshot = useSyncExternalStore(statusSubscribe, status.getSnapshot);
  const replay = props.replay ?? noReplay;
  // A replay at full speed changes its position on every turn of the event loop.
  const replaySubscribe = useMemo(() => paced(replay.subscribe), [replay]);
  const replayState = useSyncExternalStore(replaySubscribe, replay.getState);

  const nodes = useMemo(() => treeNodes(catalogue, lang, snapshot.byRule), [lang, snapshot]);
  const [screen, setScreen, screenNow] = useImmediateState<Screen>('list');
  const [treeKey, setTreeKey, treeKeyNow] = useImmediateState('');
  const [follow, setFollow, followNow] = useImmediateState(true);
  const [selectedId, setSelectedId, selectedIdNow] = useImmediateState<string | undefined>(undefined);
  const [minSeverity, setMinSeverity, minSeverityNow] = useImmediateState<Severity | undefined>(undefined);
  const [text, setText, textNow] = useImmediateState('');
  const [filterDraft, setFilterDraft, draft] = useImmediateState<string | undefined>(undefined);
  const [confirm, setConfirm, confirmNow] = useImmediateState<{ image: string; process: string } | undefined>(undefined);
  const [detail, setDetail] = useState({ tab: 0, scroll: 0 });
  const [wlCursor, setWlCursor, wlCursorNow] = useImmediateState(0);
  const undo = useRef<UndoStep[]>([]);
  const [message, setMessage] = useState<string | undefined>();
  const [, setWlVersion] = useState(0);
  const listStart = useRef(0);

  useEffect(() => {
    if (!message) return;
    const t = setTimeout(() => setMessage(undefined), 4000);
    return () => clearTimeout(t);
  }, [message]);

  const treeIndex = (key: string) => Math.max(0, nodes.findIndex((n) => nodeKey(n) === key));
  const tree = treeIndex(treeKey);
  const node = nodes[tree]!;
  const visible = useMemo(
    () => filterAlerts(snapshot.alerts, { category: node.category, ruleId: node.ruleId, minSeverity, text: filterDraft ?? text }),
    [snapshot, node, minSeverity, text, filterDraft],
  );
  const selectedIn = (list: readonly Alert[], following: boolean, id: string | undefined) => (following ? 0 : Math.max(0, list.findIndex((a) => a.id === id)));
  const selected = selectedIn(visible, follow, selectedId);
  const current: Alert | undefined = visible[selected];
  // The list and selection as the keys so far left them, for keys before the next render (the keys
  // of one read have none between them): after a filter key, the next key moves in the new list.
  const visibleNow = () => {
    const n = nodes[treeIndex(treeKeyNow.current)]!;
    const filter = { category: n.category, ruleId: n.ruleId, minSeverity: minSeverityNow.current, text: draft.current ?? textNow.current };
    const same = n === node && filter.minSeverity === minSeverity && filter.text === (filterDraft ?? text);
    return same ? visible : filterAlerts(snapshot.alerts, filter);
  };
  const selectedNow = (list: readonly Alert[]) => selectedIn(list, followNow.current, selectedIdNow.current);
  const currentNow = (): Alert | undefined => {
    const list = visibleNow();
    return list[selectedNow(list)];
  };

  const treeWidth = columns >= 100 ? 30 : 24;
  const listWidth = Math.max(20, columns - treeWidth - 1);
  const bodyHeight = Math.max(3, rows - 4);
  listStart.current = windowStart(selected, listStart.current, bodyHeight, visible.length);

  // The open alert's tab content, built only on the detail screen.
  const lines = useMemo(
    () => (screen === 'detail' && current ? detailLines(alertContext(current, props.engine(), props.events), detail.tab, props.profile, columns, props.clock) : []),
    [screen, current, detail.tab, props.profile, columns, snapshot],
  );
  const maxScroll = Math.max(0, lines.length - bodyHeight);
  const scrollBy = (delta: number) => setDetail((d) => ({ ...d, scroll: Math.max(0, Math.min(maxScroll, d.scroll + delta)) }));

  const select = (move: number) => {
    const list = visibleNow();
    const clamped = Math.max(0, Math.min(list.length - 1, selectedNow(list) + move));
    setFollow(false);
    setSelectedId(list[clamped]?.id);
  };
  const say = (text: string) => setMessage(text);
  // The store reports its own save problems as health alerts; this is for anything else.
  const failed = (what: string) => (e: Error) => say(`${what} failed: ${e.message}`);
  const gone = useRef(false);
  const quit = () => {
    gone.current = true;
    props.onQuit();
    exit();
  };

  const whitelistEntry = (a: Alert | undefined) => {
    if (!a?.process || !a.container?.image) return undefined;
    return { image: a.container.image, process: processName({ ...a.process, startTime: 0 }) };
  };

  const run = (command: string, name: string) => {
    switch (command) {
      case 'app.quit':
        return quit();
      case 'app.back':
        if (screenNow.current === 'list') return name === 'q' ? quit() : undefined;
        return setScreen('list');
      case 'app.help':
        return setScreen('help');
      case 'nav.up':
        if (screenNow.current === 'detail') return scrollBy(-1);
        if (screenNow.current === 'whitelist') return setWlCursor(Math.max(0, wlCursorNow.current - 1));
        return select(-1);
      case 'nav.down':
        if (screenNow.current === 'detail') return scrollBy(1);
        if (screenNow.current === 'whitelist') return setWlCursor(wlCursorNow.current + 1);
        return select(1);
      case 'nav.pageUp':
        if (screenNow.current === 'detail') return scrollBy(-bodyHeight);
        if (screenNow.current === 'whitelist') return setWlCursor(Math.max(0, wlCursorNow.current - bodyHeight));
        return select(-bodyHeight);
      case 'nav.pageDown':
        if (screenNow.current === 'detail') return scrollBy(bodyHeight);
        if (screenNow.current === 'whitelist') return setWlCursor(wlCursorNow.current + bodyHeight);
        return select(bodyHeight);
      case 'tree.up':
        return setTreeKey(nodeKey(nodes[Math.max(0, treeIndex(treeKeyNow.current) - 1)]!));
      case 'tree.down':
        return setTreeKey(nodeKey(nodes[Math.min(nodes.length - 1, treeIndex(treeKeyNow.current) + 1)]!));
      case 'list.follow':
        setFollow(true);
        return say('following the newest alert');
      case 'list.open': {
        const chosen = currentNow();
        if (!chosen) return;
        setFollow(false);
        setSelectedId(chosen.id);
        setDetail({ tab: 0, scroll: 0 });
        return setScreen('detail');
      }
      case 'list.filter':
        return setFilterDraft(textNow.current);
      case 'list.severity': {
        const next = severityCycle[(severityCycle.indexOf(minSeverityNow.current) + 1) % severityCycle.length];
        setMinSeverity(next);
        return say(`minimum severity: ${next ?? 'all'}`);
      }
      case 'alert.ack': {
        const alert = currentNow();
        if (!alert) return;
        store.ack([alert.id]);
        void props.persistAcks?.([alert.id]).catch(failed('acknowledgement'));
        return say('acknowledged');
      }
      case 'alert.whitelist': {
        const entry = whitelistEntry(currentNow());
        if (!props.whitelist) return say('whitelists need the state file (live, or replay with --state)');
        if (!entry) return say('this alert has no process and image to whitelist');
        return setConfirm(entry);
      }
      case 'alert.export': {
        const alert = currentNow();
        if (!alert) return;
        return void props.exportAlerts([alert]).then(say, failed('export'));
      }
      case 'alert.exportAll':
        return void props.exportAlerts(visibleNow()).then(say, failed('export'));
      case 'detail.prevTab':
        return setDetail((d) => ({ tab: (d.tab + tabCount - 1) % tabCount, scroll: 0 }));
      case 'detail.nextTab':
        return setDetail((d) => ({ tab: (d.tab + 1) % tabCount, scroll: 0 }));
      case 'detail.tab':
        return setDetail({ tab: Number(name) - 1, scroll: 0 });
      case 'whitelist.open':
        if (!props.whitelist) return say('whitelists need the state file (live, or replay with --state)');
        return setScreen('whitelist');
      case 'whitelist.toggle':
      case 'whitelist.delete':
      case 'whitelist.undo':
        return editWhitelist(command);
      case 'record.toggle':
        return void props.toggleRecording?.().then(say, failed('recording'));
      case 'replay.pause':
        return props.replay?.togglePause();
      case 'replay.faster':
        return props.replay?.faster();
      case 'replay.slower':
        return props.replay?.slower();
      case 'replay.step':
        return props.replay?.step();
      case 'replay.nextAlert':
        setFollow(true);
        return props.replay?.nextAlert();
      case 'replay.prevAlert':
        setFollow(true);
        return props.replay?.previousAlert();
      case 'replay.start':
        return props.replay?.seekStart();
      case 'replay.end':
        return props.replay?.seekEnd();
    }
  };

  const editWhitelist = (command: string) => {
    const wl = props.whitelist;
    if (!wl) return;
    if (command === 'whitelist.undo') {
      const last = undo.current.at(-1);
      if (!last) return say('nothing to undo');
      undo.current = undo.current.slice(0, -1);
      const done = last.op === 'toggle' ? wl.toggle(last.entry) : last.op === 'delete' ? wl.add(last.entry, last.enabled) : wl.remove(last.entry);
      return void done.then(() => setWlVersion((v) => v + 1), failed('whitelist change'));
    }
    const row = whitelistRows(wl.entries())[Math.min(wlCursorNow.current, wl.entries().length - 1)];
    if (!row) return;
    const key = { image: row.image, process: row.process };
    const done = command === 'whitelist.toggle' ? wl.toggle(key) : wl.remove(key);
    undo.current = [...undo.current, { op: command === 'whitelist.toggle' ? 'toggle' : 'delete', entry: key, enabled: row.enabled }];
    void done.then(() => setWlVersion((v) => v + 1), failed('whitelist change'));
  };

  const onKey = (input: string, key: Key) => {
    const name = keyName(input, key);
    if (name === 'ctrl+c') return quit();
    const typed = draft.current;
    if (typed !== undefined) {
      if (key.return) {
        setText(typed);
        setFilterDraft(undefined);
      } else if (key.escape) setFilterDraft(undefined);
      else if (key.backspace || key.delete) setFilterDraft(typed.slice(0, -1));
      else if (input && !key.ctrl && !key.meta) setFilterDraft(typed + input);
      return;
    }
    const confirming = confirmNow.current;
    if (confirming) {
      if (input === 'y' || key.return) {
        setConfirm(undefined);
        undo.current = [...undo.current, { op: 'add', entry: confirming, enabled: true }];
        void props.whitelist?.add(confirming).then(() => say(`whitelisted ${confirming.process} for ${confirming.image}`), failed('whitelist change'));
      } else if (input === 'n' || key.escape) setConfirm(undefined);
      return;
    }
    const command = commandFor(name, screenNow.current, mode);
    if (command) run(command, name);
  };

  // Each key of a read in turn, as if typed one by one (see keypresses); none after quitting.
  useInput((input, key) => {
    for (const k of keypresses(input, key)) if (!gone.current) onKey(k.input, k.key);
  });

  const header = (() => {
    if (filterDraft !== undefined) return `filter: ${filterDraft}▏  (enter apply, esc cancel)`;
    if (confirm) return `whitelist ${confirm.process} for image ${confirm.image}? (y/n)`;
    const hint = mode === 'live' ? noSourceHint(statusSnapshot) : undefined;
    if (hint) return `vigil · ${hint}`;
    const parts = [node.label, minSeverity && `≥ ${minSeverity}`, text && `“${text}”`, `${visible.length} alert${visible.length === 1 ? '' : 's'}`];
    return `vigil · ${parts.filter(Boolean).join(' · ')}${follow ? ' · following' : ''}${snapshot.dropped ? ` · ${snapshot.dropped} oldest not held` : ''}`;
  })();

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Text bold color={confirm ? 'yellow' : undefined} wrap="truncate">
        {fit(header, columns)}
      </Text>
      <Box height={bodyHeight + 1}>
        {screen === 'list' && (
          <>
            <CategoryTree nodes={nodes} selected={tree} snapshot={snapshot} width={treeWidth} height={bodyHeight + 1} />
            <Box width={1} />
            <AlertList alerts={visible} selected={selected} start={listStart.current} acked={snapshot.acked} width={listWidth} height={bodyHeight + 1} lang={lang} />
          </>
        )}
        {screen === 'detail' && current && <DetailView lines={lines} tab={detail.tab} scroll={detail.scroll} width={columns} height={bodyHeight + 1} />}
        {screen === 'detail' && !current && <Text dimColor>The alert is no longer in the list (esc: back).</Text>}
        {screen === 'whitelist' && props.whitelist && <WhitelistView entries={props.whitelist.entries()} cursor={wlCursor} width={columns} height={bodyHeight + 1} />}
        {screen === 'help' && <HelpView mode={mode} width={columns} height={bodyHeight + 1} />}
      </Box>
      <StatusLine status={statusSnapshot} replay={replayState} width={columns} message={message} />
    </Box>
  );
}
