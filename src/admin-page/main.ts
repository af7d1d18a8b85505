/**
 * The admin page (/admin/): asks for the admin token, keeps it in sessionStorage (this tab only; never
 * localStorage, never the URL), and polls the admin API every few seconds while the tab is visible.
 * `?poll=MS` changes the interval (at least MIN_POLL_MS). A 401 forgets the token and asks again; a hub
 * that does not answer leaves the last figures on screen under a banner, and polling goes on.
 */
import { byTestId, shortId } from '../page/dom.ts';
import { AdminClient, AdminHttpError, isTokenText, type MemberView, type RoomView, type RoomsAnswer, type StatsAnswer } from './admin-client.ts';
import { confirmAction } from './confirm-dialog.ts';
import { renderOverview } from './overview-view.ts';
import { displayName, renderRooms } from './rooms-view.ts';

const TOKEN_KEY = 'roomwire-admin-token';
const DEFAULT_POLL_MS = 3_000;
const MIN_POLL_MS = 200;
/** A request slower than this counts as the hub not answering. */
const REQUEST_TIMEOUT_MS = 8_000;
/** How long "Kicked ann" and the like stay on screen. */
const NOTICE_MS = 15_000;

const pollParam = Number(new URLSearchParams(location.search).get('poll'));
const pollMs = Number.isFinite(pollParam) && pollParam > 0 ? Math.max(MIN_POLL_MS, pollParam) : DEFAULT_POLL_MS;
// Relative to this page, so the API is found under the same prefix behind a path-routing proxy.
const apiUrl = new URL('api/', location.href).href;

const tokenForm = byTestId<HTMLFormElement>('token-form');
const tokenInput = byTestId<HTMLInputElement>('token-input');
const tokenError = byTestId('token-error');
const dashboard = byTestId('dashboard');
const status = byTestId('admin-status');
const errorBanner = byTestId('error-banner');
const notice = byTestId('notice');
const signOut = byTestId<HTMLButtonElement>('sign-out-button');

let client: AdminClient | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let inFlight = false;
/** A poll asked for while one was running (after an action): run it as soon as that one ends. */
let again = false;
let lastRooms = '';
let node = '';
let noticeTimer: ReturnType<typeof setTimeout> | undefined;

function setStatus(state: 'idle' | 'ok' | 'draining' | 'error' | 'unauthorized', text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

function showBanner(banner: HTMLElement, text: string | undefined): void {
  banner.hidden = text === undefined;
  banner.textContent = text ?? '';
}

function askForToken(error?: string): void {
  client = undefined;
  clearTimeout(timer);
  sessionStorage.removeItem(TOKEN_KEY);
  dashboard.hidden = true;
  signOut.hidden = true;
  tokenForm.hidden = false;
  showBanner(tokenError, error);
  setStatus(error === undefined ? 'idle' : 'unauthorized', error === undefined ? 'not signed in' : 'token refused');
  tokenInput.value = '';
  tokenInput.focus();
}

function start(token: string): void {
  client = new AdminClient({ apiUrl, token, timeoutMs: REQUEST_TIMEOUT_MS });
  tokenForm.hidden = true;
  showBanner(tokenError, undefined);
  signOut.hidden = false;
  setStatus('idle', 'loading…');
  lastRooms = '';
  void poll();
}

/** Any failure of a request: 401 asks for the token again; the rest is shown and polling goes on. */
function failed(err: unknown, what: string): void {
  if (err instanceof AdminHttpError && err.unauthorized) {
    askForToken('The hub refused that token (401). Enter the admin token again.');
    return;
  }
  const reason = err instanceof AdminHttpError ? `the hub answered ${err.message}` : (err as Error).message;
  showBanner(errorBanner, `${what}: ${reason}`);
  dashboard.toggleAttribute('data-stale', true); // the figures on screen are the last ones that came
  setStatus('error', err instanceof AdminHttpError ? `HTTP ${err.status}` : 'hub unreachable');
}

async function poll(): Promise<void> {
  clearTimeout(timer);
  const current = client;
  if (current === undefined) return;
  if (inFlight) return void (again = true);
  inFlight = true;
  again = false;
  try {
    const [rooms, stats] = await Promise.all([current.rooms(), current.stats()]);
    if (current !== client) return; // signed out meanwhile
    show(rooms, stats);
  } catch (err) {
    if (current === client) failed(err, `Could not refresh (retrying every ${Math.round(pollMs / 100) / 10} s)`);
  } finally {
    inFlight = false;
    // (a new token while this ran: poll with it at once)
    if (client !== undefined && document.visibilityState === 'visible') timer = setTimeout(() => void poll(), again || current !== client ? 0 : pollMs);
  }
}

function show(rooms: RoomsAnswer, stats: StatsAnswer): void {
  dashboard.hidden = false;
  dashboard.removeAttribute('data-stale');
  showBanner(errorBanner, undefined);
  node = stats.node;
  byTestId('node-name').textContent = `node ${stats.node}`;
  setStatus(stats.draining ? 'draining' : 'ok', `${stats.draining ? 'draining · ' : ''}updated ${new Date().toLocaleTimeString()}`);
  renderOverview(stats);
  byTestId('room-count').textContent = String(rooms.rooms.length);
  // Redraw the rooms only when they changed, so a button under the pointer or in focus stays put.
  const json = JSON.stringify(rooms.rooms);
  if (json !== lastRooms) {
    lastRooms = json;
    renderRooms(byTestId('room-list'), rooms.rooms, { kick, close });
  }
}

/** Runs an admin action, says what happened, and refreshes at once. */
async function act(run: (c: AdminClient) => Promise<string>, what: string): Promise<void> {
  const current = client;
  if (current === undefined) return;
  try {
    say(await run(current), 'done');
  } catch (err) {
    // A failed action is said where the next refresh does not wipe it; a 401 asks for the token again.
    if (err instanceof AdminHttpError && err.unauthorized) return failed(err, what);
    say(`${what}: ${err instanceof AdminHttpError ? `the hub answered ${err.message}` : (err as Error).message}`, 'error');
  }
  void poll();
}

/** What an action did (or why it did not), for NOTICE_MS. */
function say(text: string, kind: 'done' | 'error'): void {
  showBanner(notice, text);
  notice.dataset.kind = kind;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => showBanner(notice, undefined), NOTICE_MS);
}

async function kick(room: RoomView, member: MemberView): Promise<void> {
  const who = `${displayName(member)} (${shortId(member.peerId)})`;
  const sure = await confirmAction({
    title: `Kick ${displayName(member)}?`,
    text: `${who} leaves ${room.room} and every other room: its session ends (close code 4003) and its client does not reconnect by itself. The others see it leave with reason "kicked".`,
    action: 'Kick',
  });
  if (sure) await act(async (c) => (await c.kick(room.room, member.peerId), `Kicked ${who} from ${room.room}.`), `Could not kick ${who}`);
}

async function close(room: RoomView): Promise<void> {
  const n = room.members.length;
  const sure = await confirmAction({
    title: `Close ${room.room}?`,
    text: `All ${n} member${n === 1 ? '' : 's'} are taken out of the room (reason "room-closed"). Their connections stay; they may join again.`,
    action: 'Close room',
  });
  if (sure) await act(async (c) => `Closed ${room.room}: ${(await c.closeRoom(room.room)).removed} removed.`, `Could not close ${room.room}`);
}

async function drain(): Promise<void> {
  const sure = await confirmAction({
    title: 'Drain this hub?',
    text: `${node} stops taking new connections, asks every connected client to move to another hub, and exits when they have gone (or after its drain timeout). This cannot be undone from here.`,
    action: 'Drain',
    typeToConfirm: node,
  });
  if (sure) await act(async (c) => (await c.drain(), `${node} is draining: it exits when its clients have moved.`), 'Could not drain');
}

tokenForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const token = tokenInput.value.trim();
  if (token === '') return;
  if (!isTokenText(token)) return showBanner(tokenError, 'An admin token holds visible ASCII characters only (no spaces): check what was pasted.');
  sessionStorage.setItem(TOKEN_KEY, token);
  tokenInput.value = '';
  start(token);
});
signOut.addEventListener('click', () => askForToken());
byTestId('drain-button').addEventListener('click', () => void drain());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void poll();
  else clearTimeout(timer);
});

if (window.top !== window.self) {
  // Framed by another page, a click could be steered onto Kick or Drain: refuse to run.
  document.body.textContent = 'The roomwire admin page does not work inside a frame.';
} else {
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved === null) askForToken();
  else start(saved);
}
