/** `roomwire bot`: a headless peer in a room, for people at a terminal and for scripts. */
import { botOptionSpecs } from '../bots/bot-options.ts';
import { runBot } from '../bots/bot.ts';
import { formatHelp, parseOptions } from '../option-spec.ts';

export async function runBotCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log([
      'Usage: roomwire bot --url ws://host:8080/ws --room ROOM --name NAME [options]',
      '',
      'Joins the room and prints its events. Lines typed on stdin go to the room; `/w NAME text` whispers.',
      'Exit codes: 0 after SIGINT/SIGTERM (it leaves first), 1 hub unreachable, 2 bad usage, 3 join refused.',
      '',
      'Options:',
      formatHelp(botOptionSpecs),
    ].join('\n'));
    return 0;
  }
  const options = parseOptions(botOptionSpecs, argv, process.env);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  return runBot(options, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
}
