// An esbuild plugin for the bundle: Ink 6 keeps two module-level caches keyed by every distinct
// text it lays out (measure-text.js: sizes; wrap-text.js: wrapped or truncated text) and never
// empties them. A workbench showing thousands of new alerts a second grows by megabytes a
// minute, so in vigil's bundle both are emptied when they reach 4096 entries. A build fails
// if Ink's code no longer reads as expected, rather than shipping the leak again.
import { readFile } from 'node:fs/promises';

const LIMIT = 4096;

const edits = {
  'measure-text.js': [['    cache.set(text, dimensions);', `    if (cache.size >= ${LIMIT}) cache.clear();\n    cache.set(text, dimensions);`]],
  'wrap-text.js': [
    ['const cache = {};', 'const cache = new Map();'],
    ['const cachedText = cache[cacheKey];', 'const cachedText = cache.get(cacheKey);'],
    ['    cache[cacheKey] = wrappedText;', `    if (cache.size >= ${LIMIT}) cache.clear();\n    cache.set(cacheKey, wrappedText);`],
  ],
};

export const inkBoundedCaches = {
  name: 'ink-bounded-caches',
  setup(build) {
    build.onLoad({ filter: /[\\/]ink[\\/]build[\\/](measure-text|wrap-text)\.js$/ }, async ({ path }) => {
      let contents = await readFile(path, 'utf8');
      for (const [from, to] of edits[path.slice(path.search(/[^\\/]+$/))]) {
        if (!contents.includes(from)) throw new Error(`${path}: expected ${JSON.stringify(from)}; Ink changed, review scripts/ink-bounded-caches.mjs`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js' };
    });
  },
};
