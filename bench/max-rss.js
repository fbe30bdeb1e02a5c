// Preloaded (`node --import`) into a benchmarked process: reports its peak RSS on exit, as the
// last line of stderr, so the benchmark reads what the process itself peaked at.
process.on('exit', () => {
  process.stderr.write(`\nvigil-bench-max-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
