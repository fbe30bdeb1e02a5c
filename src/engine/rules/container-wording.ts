// Shared wording for alerts about a container's configuration.
import type { ContainerSnapshot, VigilEvent } from '../events.js';

type SnapshotReason = Extract<VigilEvent, { kind: 'container.snapshot' }>['data']['reason'];

/** How the container came to be seen: "created with …", "started with …", "running with …". */
export function containerVerb(reason: SnapshotReason, c: ContainerSnapshot): string {
  if (reason === 'create') return 'created';
  if (reason === 'start') return 'started';
  return c.state.running ? 'running' : `${c.state.status || 'stopped'}, configured`;
}
