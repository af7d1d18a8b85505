/** `roomwire token`: prints a join token, for hubs that run with --auth-secret. */
import { createJoinToken } from '../hub/join-token.ts';
import { formatHelp, intOption, parseOptions, stringOption, UsageError } from '../option-spec.ts';

export const tokenOptionSpecs = {
  secret: stringOption('', 'secret', "the hub's --auth-secret", { env: 'ROOMWIRE_AUTH_SECRET', secret: true }),
  room: stringOption('', 'room', 'the room the token admits to, or * for any room (required)'),
  name: stringOption('', 'name', 'the display name the holder gets (empty: the holder chooses)'),
  ttlSeconds: intOption(3_600, 's', 'how long the token is valid'),
  audience: stringOption('', 'aud', "the `aud` claim (the hub's --auth-audience, if it has one)"),
  issuer: stringOption('', 'iss', "the `iss` claim (the hub's --auth-issuer, if it has one)"),
};

export async function runToken(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`Usage: roomwire token --room ROOM [options]\n\nOptions:\n${formatHelp(tokenOptionSpecs)}`);
    return 0;
  }
  const o = parseOptions(tokenOptionSpecs, argv, process.env);
  if (o.secret === '') throw new UsageError('--secret (or ROOMWIRE_AUTH_SECRET) is required');
  if (o.room === '') throw new UsageError('--room is required');
  const token = await createJoinToken(o.secret, {
    room: o.room, ttlSeconds: o.ttlSeconds, audience: o.audience, issuer: o.issuer, ...(o.name === '' ? {} : { name: o.name }),
  });
  console.log(token);
  return 0;
}
