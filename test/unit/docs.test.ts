/** docs/ must stay true: every option, error code and close code the code has is documented. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { botOptionSpecs } from '../../src/bots/bot-options.ts';
import { swarmOptionSpecs } from '../../src/bots/swarm-options.ts';
import { adminOptionSpecs } from '../../src/cli/admin-command.ts';
import { clientOptionSpecs } from '../../src/client/options.ts';
import { hubOptionSpecs } from '../../src/hub/options.ts';
import { serverPeerOptionSpecs } from '../../src/server-peer/server-peer-options.ts';
import { flagOf } from '../../src/option-spec.ts';
import { CLIENT_CODES, CLOSE_CODES, ERROR_CODES, PEERJS_ERROR_CODES } from '../../src/protocol/index.ts';

const read = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

describe('docs', () => {
  it('operations.md has a row for every hub option with its flag and current default', () => {
    const ops = read('operations.md');
    for (const [key, spec] of Object.entries(hubOptionSpecs)) {
      const row = ops.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
      expect(row, key).toBeDefined();
      expect(row).toContain(`\`${flagOf(key)}\``);
      if (spec.kind === 'int') expect(row).toContain(`\`${spec.default}\``);
      if (spec.env) expect(row).toContain(`\`${spec.env}\``);
    }
  });

  it('operations.md has a row for every room client option with its current default', () => {
    const ops = read('operations.md');
    for (const [key, spec] of Object.entries(clientOptionSpecs)) {
      const row = ops.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
      expect(row, key).toBeDefined();
      expect(row).toContain(`\`${String(spec.default)}\``);
    }
  });

  it('operations.md has a row for every bot, swarm, admin and server-peer flag with its current default', () => {
    const ops = read('operations.md');
    for (const specs of [botOptionSpecs, swarmOptionSpecs, adminOptionSpecs, serverPeerOptionSpecs]) {
      for (const [key, spec] of Object.entries(specs)) {
        const row = ops.split('\n').find((l) => l.startsWith(`| \`${flagOf(key)}\` |`) && l.includes(spec.description));
        expect(row, key).toBeDefined();
        const none = spec.default === '' || (Array.isArray(spec.default) && spec.default.length === 0);
        expect(row).toContain(`\`${none ? '(none)' : String(spec.default)}\``);
        if (spec.env) expect(row).toContain(`\`${spec.env}\``);
      }
    }
  });

  it('protocol.md lists every error code, client code and close code', () => {
    const protocol = read('protocol.md');
    for (const code of ERROR_CODES) expect(protocol, code).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
    for (const code of CLIENT_CODES) expect(protocol, code).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
    for (const code of Object.values(CLOSE_CODES)) expect(protocol, String(code)).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });

  it('protocol.md lists every PeerJS error code in its PeerJS part', () => {
    const protocol = read('protocol.md');
    const peerjs = protocol.slice(protocol.indexOf('## PeerJS'));
    for (const code of PEERJS_ERROR_CODES) expect(peerjs, code).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });
});
