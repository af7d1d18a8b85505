/**
 * `roomwire <command>`: one command line for every process. Options, defaults and help text come from
 * each part's option spec, never retyped here.
 */
import { UsageError } from './option-spec.ts';

interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

// Each command is loaded when it runs: `roomwire hub` never loads werift, `roomwire token` never loads ws
// (start time and idle RSS; bench/hub-startup.ts).
const commands: Record<string, Command> = {
  hub: { summary: 'run the signaling hub with the demo page (in-memory rooms)', run: async (argv) => (await import('./cli/hub-command.ts')).runHub(argv) },
  bot: { summary: 'a headless peer in a room: prints events, sends what you type (werift)', run: async (argv) => (await import('./cli/bot-command.ts')).runBotCommand(argv) },
  'server-peer': { summary: 'the server peer alone against a hub: history for late joiners, bot commands (werift)', run: async (argv) => (await import('./cli/server-peer-command.ts')).runServerPeerCommand(argv) },
  swarm: { summary: 'a load of werift bots in rooms, with a latency and delivery report', run: async (argv) => (await import('./cli/swarm-command.ts')).runSwarmCommand(argv) },
  token: { summary: 'print a join token for a room (for hubs started with --auth-secret)', run: async (argv) => (await import('./cli/token-command.ts')).runToken(argv) },
  'turn-credentials': { summary: 'print TURN credentials as the hub issues them (for testing coturn by hand)', run: async (argv) => (await import('./cli/turn-credentials-command.ts')).runTurnCredentials(argv) },
  admin: { summary: "the hub's admin API: list rooms, kick a peer, close a room, drain (needs --admin-token on the hub)", run: async (argv) => (await import('./cli/admin-command.ts')).runAdminCommand(argv) },
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
