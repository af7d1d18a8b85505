/**
 * An example server bot: `roomwire server-peer --url ws://localhost:8080/ws --bot examples/dice-bot.ts`.
 * Adds /roll, and greets whoever joins.
 */
import { defineServerBot } from '../src/server-peer/server-bot.ts';

export default defineServerBot({
  commands: {
    roll: {
      help: '/roll [sides]: roll a die (6 sides unless you say otherwise)',
      run(args, message, ctx) {
        const sides = Math.min(1_000, Math.max(2, Number.parseInt(args, 10) || 6));
        const roll = 1 + Math.floor(Math.random() * sides);
        ctx.broadcast(`${message.name || 'someone'} rolled ${roll} (d${sides})`);
      },
    },
  },
  onJoin(peer, ctx) {
    ctx.reply(peer.peerId, `welcome to ${ctx.room}, ${peer.name || 'stranger'}: try /help`);
  },
});
