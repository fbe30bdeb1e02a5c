// The detail screen's tabs, in order, with the function that builds each one's lines (the app
// counts them to clamp scrolling), and the tab bar.
import { Box, Text } from 'ink';
import type { Profile } from '../../../engine/profile.js';
import type { AlertContext } from '../../model/alert-context.js';
import { eventLines } from './events.js';
import { kubernetesLines } from './kubernetes.js';
import type { Line } from './lines.js';
import { mountLines } from './mounts.js';
import { optionLines } from './options.js';
import { processTreeLines, type BootClock } from './process-tree.js';
import { summaryLines } from './summary.js';

/** What the tabs may need besides the alert: the profile (mount and option judgements), the width (wrapping), the boot clock (start times). */
export interface TabEnv {
  profile: Profile;
  width: number;
  clock?: BootClock;
}

export const detailTabs = [
  { id: 'summary', title: 'Summary', lines: summaryLines },
  { id: 'process-tree', title: 'Process tree', lines: processTreeLines },
  { id: 'mounts', title: 'Mounts', lines: mountLines },
  { id: 'options', title: 'Options', lines: optionLines },
  { id: 'events', title: 'Events', lines: eventLines },
  { id: 'kubernetes', title: 'Kubernetes', lines: kubernetesLines },
] as const satisfies readonly { id: string; title: string; lines: (context: AlertContext, env: TabEnv) => Line[] }[];

export type TabId = (typeof detailTabs)[number]['id'];

/**
 * ` 1 Summary  2 Process tree  …` (72 columns), the active tab inverted; the digits are the keys
 * that select them. Each title carries its own spaces so the inverted block has a margin.
 */
export function TabBar({ active, width }: { active: TabId; width: number }) {
  return (
    <Box width={width}>
      <Text wrap="truncate-end">
        {detailTabs.map((tab, i) => (
          <Text key={tab.id} inverse={tab.id === active} bold={tab.id === active}>
            {` ${i + 1} ${tab.title} `}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
