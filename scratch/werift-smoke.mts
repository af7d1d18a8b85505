import { RTCPeerConnection } from 'werift';
const cfg = { iceServers: [], iceAdditionalHostAddresses: ['127.0.0.1'] } as any;
const a = new RTCPeerConnection(cfg), b = new RTCPeerConnection(cfg);
a.onicecandidate = (e: any) => { if (e.candidate) b.addIceCandidate(e.candidate); };
b.onicecandidate = (e: any) => { if (e.candidate) a.addIceCandidate(e.candidate); };
const t0 = performance.now();
const dc = a.createDataChannel('x');
let negotiationCount = 0;
a.onnegotiationneeded = async () => { negotiationCount++; };
b.ondatachannel = (e: any) => {
  const ch = e.channel;
  let n = 0; let t1 = 0;
  ch.onmessage = (m: any) => { if (n === 0) t1 = performance.now(); n++; if (n === 20000) { console.log('recv 20000 coalesced-ish', typeof m.data, Buffer.isBuffer(m.data), ((performance.now()-t1)/1000).toFixed(2), 's'); process.exit(0);} };
};
dc.onopen = async () => {
  console.log('open after', (performance.now() - t0).toFixed(0), 'ms; negotiationneeded fired', negotiationCount);
  const stats = await a.getStats();
  for (const s of stats.values()) if ((s as any).type === 'local-candidate' || (s as any).type === 'transport') console.log(JSON.stringify(s).slice(0, 200));
  console.log('maxMessageSize', (a as any).sctpTransport?.maxMessageSize, (a as any).config.maxMessageSize);
  const payload = Buffer.alloc(16384, 1);
  for (let i = 0; i < 20000; i++) { dc.send(payload); if (dc.bufferedAmount > 256*1024) await new Promise(r => setTimeout(r, 1)); }
};
const offer = await a.createOffer(); await a.setLocalDescription(offer);
await b.setRemoteDescription(a.localDescription!);
const ans = await b.createAnswer(); await b.setLocalDescription(ans);
await a.setRemoteDescription(b.localDescription!);
setTimeout(() => { console.log('timeout'); process.exit(1); }, 60000);
