// `W`: the process whitelist entries kept in the state file, by image; space toggles, d
// deletes, u undoes the last change.
import { Box, Text } from 'ink';
import type { WhitelistKey } from '../../runtime/whitelist.js';
import { fit, pad } from '../text.js';

export interface UndoStep {
  op: 'add' | 'toggle' | 'delete';
  entry: WhitelistKey;
  /** The entry's state before the change. */
  enabled: boolean;
}

interface Entry {
  image: string;
  process: string;
  enabled: boolean;
}

/** Entries in display order: by image, then process. */
export function whitelistRows(entries: readonly Entry[]): Entry[] {
  return [...entries].sort((a, b) => a.image.localeCompare(b.image) || a.process.localeCompare(b.process));
}

export function WhitelistView(props: { entries: readonly Entry[]; cursor: number; width: number; height: number }) {
  const rows = whitelistRows(props.entries);
  const cursor = Math.min(props.cursor, rows.length - 1);
  const start = Math.max(0, Math.min(cursor - props.height + 3, rows.length - props.height + 2));
  if (rows.length === 0) {
    return (
      <Box flexDirection="column" width={props.width} height={props.height}>
        <Text bold>Process whitelist</Text>
        <Text dimColor>{fit('No entries. Press w on an alert with a process to add one. (esc: back)', props.width)}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text bold>{fit('Process whitelist — space toggle · d delete · u undo · esc back', props.width)}</Text>
      {rows.slice(start, start + props.height - 1).map((e, i) => {
        const first = start + i === 0 || rows[start + i - 1]!.image !== e.image;
        return (
          <Text key={`${e.image}\0${e.process}`} inverse={start + i === cursor} dimColor={!e.enabled} wrap="truncate">
            {pad(first ? e.image : '', 40)} {e.enabled ? '[x]' : '[ ]'} {fit(e.process, props.width - 46)}
          </Text>
        );
      })}
    </Box>
  );
}
