// The replay ceiling: read a recording and JSON.parse each line, nothing else; the same reading
// as vigil's (a stream, decoded, split on newlines, gunzipped for .gz). Run as its own process by
// the replay benchmark.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

const path = process.argv[2];
const file = createReadStream(path, { highWaterMark: 1 << 16 });
const decoder = new StringDecoder('utf8');
let partial = '';
let events = -1; // the header line is not an event
for await (const chunk of path.endsWith('.gz') ? file.pipe(createGunzip()) : file) {
  const lines = (partial + decoder.write(chunk)).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) if (JSON.parse(line)) events++;
}
if (partial !== '' && JSON.parse(partial)) events++;
process.stdout.write(`${events}\n`);
