// `?`: the key help, generated from the live keymap for the current mode.
import { Box, Text } from 'ink';
import { keymap } from '../keymap.js';
import { fit, pad } from '../text.js';

export function HelpView(props: { mode: 'live' | 'replay'; width: number; height: number }) {
  const rows = keymap.filter((b) => b.mode === undefined || b.mode === props.mode);
  const keysWidth = 16;
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text bold>{fit(`Keys (${props.mode}) — esc to go back`, props.width)}</Text>
      {rows.slice(0, props.height - 1).map((b) => (
        <Text key={b.command} wrap="truncate">
          <Text color="cyan">{pad(b.keys.join(' '), keysWidth)}</Text> {fit(b.help, props.width - keysWidth - 1)}
        </Text>
      ))}
    </Box>
  );
}
