/**
 * The demo page: join a room, chat and whisper peer to peer, send files, and see every link's path,
 * round-trip time and ICE state. Deep link: /?room=lobby&name=ann joins at once; ?p2p=0 uses the hub
 * relay only; ?hub=wss://host/ws talks to another hub.
 */
import { RoomClient } from '../client/room-client.ts';
import type { Room, RoomMessage } from '../client/room.ts';
import { CLOSE_CODES } from '../protocol/index.ts';
import { byTestId, el, formatBytes, shortId } from './dom.ts';
import { FileReceiver, RECEIVE_LIMITS, type FileRefusal } from './file-receiver.ts';
import { sendFile, type FileEnd, type FileHeader } from './file-transfer.ts';
import { FileUrls } from './file-urls.ts';
import { LogView } from './log-view.ts';
import { renderMap, renderPeers } from './peers-view.ts';

const params = new URLSearchParams(location.search);
const p2p = params.get('p2p') !== '0';
const hubUrl = params.get('hub') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

const joinForm = byTestId<HTMLFormElement>('join-form');
const roomInput = byTestId<HTMLInputElement>('room-input');
const nameInput = byTestId<HTMLInputElement>('name-input');
const status = byTestId('status-signaling');
const roomView = byTestId('room-view');
const log = new LogView(byTestId('chat-log'));
const composer = byTestId<HTMLFormElement>('composer');
const messageInput = byTestId<HTMLInputElement>('message-input');
const targetSelect = byTestId<HTMLSelectElement>('target-select');
const fileInput = byTestId<HTMLInputElement>('file-input');
const peerList = byTestId('peer-list');
const map = byTestId('room-map') as unknown as SVGSVGElement;

roomInput.value = params.get('room') ?? 'lobby';
nameInput.value = params.get('name') ?? '';
byTestId('p2p-mode').textContent = p2p ? 'peer-to-peer, hub relay as fallback' : 'hub relay only (?p2p=0)';

function setStatus(state: string): void {
  status.textContent = state;
  status.dataset.state = state;
}

function isFileControl(data: string): FileHeader | FileEnd | undefined {
  if (!data.startsWith('{"t":"file-')) return undefined;
  try {
    const value = JSON.parse(data) as FileHeader | FileEnd;
    return value.t === 'file-start' || value.t === 'file-end' ? value : undefined;
  } catch {
    return undefined;
  }
}

function refusalText(reason: FileRefusal): string {
  const limits = RECEIVE_LIMITS;
  switch (reason) {
    case 'too-large': return `larger than ${formatBytes(limits.maxFileBytes)}`;
    case 'too-many': return `already receiving ${limits.maxOpenTransfers} files or ${formatBytes(limits.maxOpenBytes)}`;
    case 'overrun': return 'more bytes than announced';
    case 'stale': return `nothing arrived for ${limits.staleMs / 1000} s`;
    case 'sender-left': return 'the sender left';
    case 'bad-header': return 'a malformed announcement';
  }
}

async function join(roomName: string, name: string): Promise<void> {
  setStatus('connecting');
  const client = new RoomClient({ url: hubUrl, p2p });
  client.on('signaling', setStatus);
  client.on('error', (e) => log.add('system', `hub: ${e.code}: ${e.message}`));
  client.on('ended', (e) => log.add('system', e.code === CLOSE_CODES.kicked ? 'an operator removed you from the hub' : 'this session continues in another tab or window'));
  try {
    await client.connect();
  } catch (err) {
    setStatus('closed');
    log.add('system', (err as Error).message);
    return;
  }
  let room: Room;
  try {
    room = await client.join(roomName, name ? { name } : {});
  } catch (err) {
    setStatus('open');
    log.add('system', `could not join ${roomName}: ${(err as Error).message}`);
    return;
  }
  // A reload or a closed tab says goodbye at once, so nobody keeps seeing a stale peer.
  addEventListener('pagehide', () => client.close());
  Object.assign(window, { roomwire: { client, room } });

  joinForm.hidden = true;
  roomView.hidden = false;
  byTestId('room-title').textContent = roomName;
  byTestId('self-id').textContent = `${name || 'anonymous'} (${shortId(client.peerId)})`;
  history.replaceState(null, '', `?${new URLSearchParams({ room: roomName, ...(name ? { name } : {}), ...(p2p ? {} : { p2p: '0' }) })}`);
  log.add('system', `joined ${roomName} as ${name || shortId(client.peerId)}`);

  const nameOf = (peerId: string) => room.members.get(peerId)?.name || shortId(peerId);
  const files = new FileReceiver();
  const fileUrls = new FileUrls();
  const incoming = new Map<string, ReturnType<LogView['file']>>();
  const dropTransfers = (dropped: { from: string; header: FileHeader }[], reason: FileRefusal) => {
    for (const { from, header } of dropped) {
      incoming.get(`${from}/${header.id}`)?.fail(refusalText(reason));
      incoming.delete(`${from}/${header.id}`);
    }
  };
  setInterval(() => dropTransfers(files.sweep(), 'stale'), 1_000);
  addEventListener('pagehide', () => fileUrls.clear());

  room.on('peer-joined', (p) => log.add('system', `${p.name || shortId(p.peerId)} joined`));
  room.on('peer-left', (p) => {
    dropTransfers(files.dropFrom(p.peerId), 'sender-left');
    const why = p.reason === 'kicked' ? ' (removed by an operator)' : p.reason === 'room-closed' ? ' (the room was closed)' : '';
    log.add('system', `${p.name || shortId(p.peerId)} left${why}`);
  });
  room.on('closed', () => log.add('system', 'an operator closed this room: you are no longer in it'));
  room.on('path-change', (e) => log.add('system', `${nameOf(e.peerId)}: ${e.previous} → ${e.path}`));
  const showTopology = () => {
    const node = byTestId('topology');
    node.textContent = room.topology === 'star' ? 'star: through the server peer' : 'mesh: a DataChannel to every peer';
    node.dataset.topology = room.topology;
  };
  showTopology();
  room.on('topology', (topology) => {
    showTopology();
    log.add('system', topology === 'star' ? 'the room is now a star: messages go through the server peer' : 'the room is a mesh again');
  });
  room.on('message', (m: RoomMessage) => void onMessage(m));

  async function onMessage(m: RoomMessage): Promise<void> {
    const from = nameOf(m.from);
    if (typeof m.data !== 'string') {
      const step = files.chunk(m.from, m.data);
      if (step?.dropped !== undefined) dropTransfers([{ from: m.from, header: step.header }], step.dropped);
      else if (step !== undefined) incoming.get(`${m.from}/${step.header.id}`)?.progress(step.fraction);
      return;
    }
    const control = isFileControl(m.data);
    if (control?.t === 'file-start') {
      const refused = files.start(m.from, control);
      if (refused === 'bad-header') return;
      const line = log.file('in', control.id, control.name, control.size, from);
      if (refused === undefined) incoming.set(`${m.from}/${control.id}`, line);
      else line.fail(refusalText(refused));
      return;
    }
    if (control?.t === 'file-end') {
      const done = await files.end(m.from, control);
      const line = incoming.get(`${m.from}/${control.id}`);
      incoming.delete(`${m.from}/${control.id}`);
      if (done === undefined || line === undefined) return;
      const url = fileUrls.add(new Blob([done.bytes as unknown as ArrayBuffer], { type: done.header.mime }), line.expire);
      line.done({ url, sha256: done.sha256, intact: done.intact });
      return;
    }
    if (m.history !== undefined) {
      const at = new Date(m.history.at).toLocaleTimeString();
      log.add('history', m.data, { from: `${nameOf(m.history.from)} (earlier, ${at})`, path: m.path });
      return;
    }
    log.add(m.whisper ? 'whisper' : 'chat', m.data, { from, path: m.path });
  }

  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = messageInput.value;
    if (text.trim() === '') return;
    const to = targetSelect.value || undefined;
    room.send(text, to === undefined ? {} : { to });
    log.add(to === undefined ? 'chat' : 'whisper', text, { from: to === undefined ? 'you' : `you → ${nameOf(to)}` });
    messageInput.value = '';
  });

  byTestId('send-file-button').addEventListener('click', async () => {
    const file = fileInput.files?.[0];
    if (file === undefined) return;
    const to = targetSelect.value || undefined;
    if (file.size > RECEIVE_LIMITS.maxFileBytes) {
      log.add('system', `${file.name} is larger than receivers accept (${formatBytes(RECEIVE_LIMITS.maxFileBytes)})`);
      return;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const targets = () => (to === undefined ? [...room.members.keys()] : [to]);
    const buffered = () => Math.max(0, ...targets().map((id) => client.link(id)?.bufferedAmount ?? 0));
    const line = log.file('out', 'pending', file.name, bytes.length, to === undefined ? 'you → everyone' : `you → ${nameOf(to)}`);
    const header = await sendFile(room, { name: file.name, type: file.type, bytes }, to, buffered, line.progress);
    line.done({});
    fileInput.value = '';
    return header;
  });

  const refresh = () => {
    const peers = room.peers();
    renderPeers(peerList, peers);
    renderMap(map, name, peers);
    const selected = targetSelect.value;
    targetSelect.replaceChildren(
      el('option', { value: '', text: 'everyone' }),
      ...peers.map((p) => el('option', { value: p.peerId, text: `whisper to ${p.name || shortId(p.peerId)}` })),
    );
    targetSelect.value = peers.some((p) => p.peerId === selected) ? selected : '';
  };
  refresh();
  setInterval(refresh, 500);
  room.on('peer-joined', refresh);
  room.on('peer-left', refresh);
  room.on('path-change', refresh);
}

joinForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void join(roomInput.value.trim(), nameInput.value.trim());
});
if (params.has('room') && params.has('name')) void join(roomInput.value.trim(), nameInput.value.trim());
