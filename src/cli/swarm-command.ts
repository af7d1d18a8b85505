/** `roomwire swarm`: a load of werift bots against a hub, with a report. */
import { swarmOptionSpecs } from '../bots/swarm-options.ts';
import { runSwarm } from '../bots/swarm.ts';
import { formatHelp, parseOptions } from '../option-spec.ts';

export async function runSwarmCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log([
      'Usage: roomwire swarm --url ws://host:8080/ws --rooms R --peers P --duration 30s --rate 2/s --size 100 [--json]',
      '',
      'Starts R x P werift bots over worker threads; each sends --rate messages of --size bytes to its room.',
      'Reports open and delivery latency, delivered/expected, duplicates, order, paths and failures.',
      'Exit codes: 0 nothing lost or duplicated, 1 something was, 2 bad usage.',
      '',
      'Options:',
      formatHelp(swarmOptionSpecs),
    ].join('\n'));
    return 0;
  }
  const options = parseOptions(swarmOptionSpecs, argv, process.env);
  const { exitCode } = await runSwarm(options, { stdout: process.stdout, stderr: process.stderr });
  return exitCode;
}
