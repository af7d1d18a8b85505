/** `roomwire turn-credentials`: prints a TURN REST credential set, for testing a TURN server by hand. */
import { turnCredentials } from '../hub/turn-credentials.ts';
import { formatHelp, intOption, listOption, parseOptions, stringOption, UsageError } from '../option-spec.ts';
import { hubOptionSpecs } from '../hub/options.ts';

export const turnCredentialOptionSpecs = {
  turnSecret: hubOptionSpecs.turnSecret,
  id: stringOption('cli', 'id', 'the id after the expiry in the username (the hub uses the peer id)'),
  turnTtlSeconds: intOption(hubOptionSpecs.turnTtlSeconds.default, 's', 'how long the credentials are valid'),
  turnUrls: listOption([], 'urls', 'printed as the urls of the RTCIceServer, comma separated'),
};

export async function runTurnCredentials(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`Usage: roomwire turn-credentials --turn-secret SECRET [options]\n\nPrints {urls, username, credential, expiresAt} as JSON.\n\nOptions:\n${formatHelp(turnCredentialOptionSpecs)}`);
    return 0;
  }
  const o = parseOptions(turnCredentialOptionSpecs, argv, process.env);
  if (o.turnSecret === '') throw new UsageError('--turn-secret (or ROOMWIRE_TURN_SECRET) is required');
  const c = turnCredentials(o.turnSecret, o.id, o.turnTtlSeconds);
  console.log(JSON.stringify({ urls: o.turnUrls, username: c.username, credential: c.credential, expiresAt: c.expiresAt }));
  return 0;
}
