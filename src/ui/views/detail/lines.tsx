// The one renderer of the detail tabs: a window of `height` lines starting at `scroll`, each
// cut to `width` columns. It never wraps (a frame taller than the terminal makes Ink flicker),
// and it makes every line terminal-safe, so no tab can put attacker bytes on the screen.
import { Box, Text } from 'ink';
import { terminalSafe } from '../../../text/terminal-safe.js';

export interface Line {
  /** Raw text, attacker-controlled parts included: <Lines> escapes it when rendering. */
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

/** The screen area a tab gets; `scroll` is the first content line shown. */
export interface Viewport {
  width: number;
  height: number;
  scroll: number;
}

/** The first line shown: scrolling past the end keeps the last page full. */
export function clampScroll(scroll: number, total: number, height: number): number {
  return Math.max(0, Math.min(scroll, total - height));
}

export function Lines({ lines, width, height, scroll }: { lines: readonly Line[] } & Viewport) {
  const first = clampScroll(scroll, lines.length, height);
  const shown = lines.slice(first, first + Math.max(0, height));
  return (
    <Box flexDirection="column" width={width}>
      {shown.map((line, i) => (
        <Text key={first + i} wrap="truncate-end" color={line.color} bold={line.bold} dimColor={line.dim}>
          {/* An empty Text would take no row; a space keeps blank lines. */}
          {terminalSafe(line.text) || ' '}
        </Text>
      ))}
    </Box>
  );
}
