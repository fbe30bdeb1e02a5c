// Child process for test/recording.test.ts: drives the compiled writer through what a test
// cannot do to its own process: be killed with SIGKILL, or run under a file-size limit.
// Usage: node recording-child.mjs loop FILE      writes until killed, printing the count so far
//        node recording-child.mjs limit FILE      (under `ulimit -f`) reports how errors surfaced
import { openRecordingWriter } from '../../dist/recording/writer.js';

const [mode, file] = process.argv.slice(2);
const header = { format: 'vigil-recording', version: 1, host: 'child', startedAt: new Date().toISOString(), vigilVersion: '0.0.0' };
const event = (seq) => ({
  seq,
  ts: new Date().toISOString(),
  source: 'vigil',
  kind: 'source.status',
  data: { source: 'docker', state: 'up' },
});

if (mode === 'loop') {
  const writer = await openRecordingWriter(file, header);
  let seq = 0;
  // Batches on a timer, so the writer's own flush timer gets its turns as in a live run.
  const batch = () => {
    for (let i = 0; i < 20; i++) writer.write(event(seq++));
    process.stdout.write(`${seq}\n`);
    setTimeout(batch, 1);
  };
  batch();
} else if (mode === 'limit') {
  // One writer with onError, one without: the error must surface exactly once either way.
  const errors = [];
  const withHandler = await openRecordingWriter(file, header, { onError: (err) => errors.push(err.message) });
  const withoutHandler = await openRecordingWriter(`${file}.2`, header);
  for (let seq = 0; seq < 5000; seq++) {
    withHandler.write(event(seq));
    withoutHandler.write(event(seq));
  }
  await withHandler.close();
  const closeError = await withoutHandler.close().then(
    () => null,
    (err) => err.message,
  );
  process.stdout.write(`${JSON.stringify({ errors, closeError })}\n`);
} else {
  throw new Error(`unknown mode ${mode}`);
}
