// The floor under the replay figure: a recording read and validated as vigil reads it, through an
// engine with the state tables (containers, processes, whitelist) and no rules at all. Run as
// its own process by the replay benchmark, to show what is left for the catalogue.
import { Engine } from '../dist/engine/engine.js';
import { loadProfile } from '../dist/profile/load.js';
import { readRecording } from '../dist/recording/reader.js';

const profile = await loadProfile(new URL('./replay.profile.yaml', import.meta.url).pathname);
const recording = await readRecording(process.argv[2], { onProblem: () => {} });
const engine = new Engine([], profile, { alert: () => {} });
for await (const batch of recording.batches) for (const event of batch) engine.process(event);
process.stdout.write(`${engine.stats.events}\n`);
