/**
 * `roomwire <command>`: one command line for every process. Options, defaults and help text come from
 * each part's option spec, never retyped here.
 */
import { runAdminCommand } from './cli/admin-command.ts';
import { runBotCommand } from './cli/bot-command.ts';
import { runHub } from './cli/hub-command.ts';
import { runServerPeerCommand } from './cli/server-peer-command.ts';
import { runSwarmCommand } from './cli/swarm-command.ts';
import { runToken } from './cli/token-command.ts';
import { runTurnCredentials } from './cli/turn-credentials-command.ts';
import { UsageError } from './option-spec.ts';

interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  hub: { summary: 'run the signaling hub with the demo page (in-memory rooms)', run: runHub },
  bot: { summary: 'a headless peer in a room: prints events, sends what you type (werift)', run: runBotCommand },
  'server-peer': { summary: 'the server peer alone against a hub: history for late joiners, bot commands (werift)', run: runServerPeerCommand },
  swarm: { summary: 'a load of werift bots in rooms, with a latency and delivery report', run: runSwarmCommand },
  token: { summary: 'print a join token for a room (for hubs started with --auth-secret)', run: runToken },
  'turn-credentials': { summary: 'print TURN credentials as the hub issues them (for testing coturn by hand)', run: runTurnCredentials },
  admin: { summary: "the hub's admin API: list rooms, kick a peer, close a room, drain (needs --admin-token on the hub)", run: runAdminCommand },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length)) + 2;
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`);
  return ['Usage: roomwire <command> [options]', '', 'Commands:', ...lines, '', 'Run `roomwire <command> --help` for its options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`roomwire: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) {
      console.error(`roomwire ${name}: ${err.message}\nRun \`roomwire ${name} --help\` for its options.`);
      return 2;
    }
    throw err;
  }
}
