/**
 * `npm run fuzz`: a million generated frames at a live hub with its rate limits lifted, while a
 * well-behaved pair whispers numbered relays in the same room. Exits 1 on a crash, a hang, a handler
 * failure or anything lost by the pair. `npm run fuzz -- --help` lists the flags.
 */
import { formatHelp, intOption, parseOptions, UsageError } from '../../src/option-spec.ts';
import { runFuzz } from './engine.ts';
import { formatReport } from './report.ts';

const specs = {
  frames: intOption(1_000_000, 'frames', 'frames the fuzz connections send in all'),
  connections: intOption(8, 'connections', 'fuzz connections sending in parallel (each reconnects when the hub closes it)'),
  seed: intOption(1, 'seed', 'seed of the generators: the same seed sends the same frames on each connection'),
  maxSeconds: intOption(600, 's', 'the run stops, and fails, after this long'),
};

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(`Usage: npm run fuzz -- [options]\n\nOptions:\n${formatHelp(specs)}`);
  process.exit(0);
}
let options;
try {
  options = parseOptions(specs, argv);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(err.message);
  process.exit(2);
}
if (options.connections < 1 || options.frames < 1) {
  console.error('--frames and --connections must be at least 1');
  process.exit(2);
}
console.log(`roomwire fuzz: ${options.frames.toLocaleString('en-US')} frames, ${options.connections} connections, seed ${options.seed} (node ${process.version})`);
const report = await runFuzz({ ...options, progress: (line) => console.log(line) });
console.log(formatReport(report));
process.exit(report.ok ? 0 : 1);
