// `?`: the key help, generated from the live keymap for the current mode, in as many columns
// as the screen needs.
import { Box, Text } from 'ink';
import { keymap } from '../keymap.js';
import { fit, pad } from '../text.js';

export function HelpView(props: { mode: 'live' | 'replay'; width: number; height: number }) {
  const rows = keymap.filter((b) => b.mode === undefined || b.mode === props.mode);
  const perColumn = Math.max(1, props.height - 1);
  const columns = Math.ceil(rows.length / perColumn);
  const columnWidth = Math.floor(props.width / columns);
  const keysWidth = Math.min(14, Math.floor(columnWidth / 3));
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text bold>{fit(`Keys (${props.mode}) — esc to go back`, props.width)}</Text>
      <Box>
        {Array.from({ length: columns }, (_, c) => (
          <Box key={c} flexDirection="column" width={columnWidth}>
            {rows.slice(c * perColumn, (c + 1) * perColumn).map((b) => (
              <Text key={b.command} wrap="truncate">
                <Text color="cyan">{pad(b.keys.join(' '), keysWidth)}</Text> {fit(b.help, columnWidth - keysWidth - 2)}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
