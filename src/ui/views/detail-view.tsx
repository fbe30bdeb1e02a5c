// Enter on an alert: its tabs (Summary, Process tree, Mounts, Options, Events, Kubernetes),
// switched with ←/→ or 1–6, each scrolled with ↑/↓.
import { Box } from 'ink';
import type { Profile } from '../../engine/profile.js';
import type { AlertContext } from '../model/alert-context.js';
import { Lines, type Line } from './detail/lines.js';
import type { BootClock } from './detail/process-tree.js';
import { detailTabs, TabBar } from './detail/tabs.js';

export const tabCount = detailTabs.length;

/** The content lines of one tab (the app clamps scrolling with their count); `clock` only live. */
export function detailLines(context: AlertContext, tab: number, profile: Profile, width: number, clock?: BootClock): Line[] {
  return detailTabs[tab]!.lines(context, { profile, width, ...(clock && { clock }) });
}

export function DetailView(props: { lines: Line[]; tab: number; scroll: number; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <TabBar active={detailTabs[props.tab]!.id} width={props.width} />
      <Lines lines={props.lines} width={props.width} height={props.height - 1} scroll={props.scroll} />
    </Box>
  );
}
