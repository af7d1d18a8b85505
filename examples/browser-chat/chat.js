// The whole chat of both pages (they are empty shells): join the room named in the address
// (?room=lobby&name=ann), show what arrives and the path it came by, send what is typed. The room client
// comes in as a parameter: from /roomwire.js in index.html, from the `roomwire` package in bundled/main.ts.

export async function startChat(RoomClient) {
  const params = new URLSearchParams(location.search);
  const roomName = params.get('room') ?? 'lobby';
  const name = params.get('name') ?? '';
  document.body.innerHTML = `
    <p id="status">connecting</p>
    <ul id="log"></ul>
    <form id="composer"><input id="text" autocomplete="off" aria-label="message"> <button>Send</button></form>`;
  const status = document.querySelector('#status');
  const log = document.querySelector('#log');
  const form = document.querySelector('#composer');
  const input = document.querySelector('#text');

  const show = (who, text, path) => {
    const line = document.createElement('li');
    // path: how the message came, direct (peer to peer), turn, or relay (through the hub)
    line.textContent = path ? `${who}: ${text} (${path})` : `${who}: ${text}`;
    if (path) line.dataset.path = path;
    log.append(line);
  };

  // Signaling goes to the hub that served this page.
  const client = new RoomClient({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws` });
  client.on('signaling', (state) => (status.textContent = state));
  await client.connect();
  const room = await client.join(roomName, { name });
  status.textContent = `in ${roomName} as ${name || client.peerId}`;
  status.dataset.joined = 'true';

  const nameOf = (peerId) => room.members.get(peerId)?.name || peerId.slice(0, 8);
  room.on('peer-joined', (peer) => show('*', `${peer.name || 'someone'} joined`));
  room.on('peer-left', (peer) => show('*', `${peer.name || 'someone'} left`));
  room.on('message', (m) => show(nameOf(m.from), typeof m.data === 'string' ? m.data : `${m.data.byteLength} bytes`, m.path));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value === '') return;
    room.send(input.value);
    show('me', input.value);
    input.value = '';
  });
  // Leave deliberately when the tab goes, so the others see it at once.
  addEventListener('pagehide', () => void client.close());
}
