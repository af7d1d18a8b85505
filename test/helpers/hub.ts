/** Starts a real hub on 127.0.0.1, port 0, with silent logs; closes it after the test file. */
import { pino } from 'pino';
import { createHub, SIGNALING_PATH, type Hub, type HubDeps } from '../../src/hub/create-hub.ts';
import type { HubOptions } from '../../src/hub/options.ts';

export interface TestHub {
  hub: Hub;
  /** ws://127.0.0.1:PORT/ws */
  url: string;
  /** http://127.0.0.1:PORT */
  httpUrl: string;
  port: number;
}

export async function startHub(options: Partial<HubOptions> = {}, deps: HubDeps = {}): Promise<TestHub> {
  const hub = createHub({ port: 0, host: '127.0.0.1', ...options }, { logger: pino({ level: 'silent' }), ...deps });
  const { port } = await hub.listen();
  return { hub, port, url: `ws://127.0.0.1:${port}${SIGNALING_PATH}`, httpUrl: `http://127.0.0.1:${port}` };
}
