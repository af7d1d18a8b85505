/** node-datachannel's (libdatachannel) standard-shaped RTCPeerConnection, as a second stack for interop. */
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import type { RtcFactory, RtcPeerConnection } from '../../src/client/rtc.ts';

export const nodeDatachannelRtc: RtcFactory = (config) =>
  new RTCPeerConnection({ iceServers: config.iceServers, iceTransportPolicy: config.iceTransportPolicy } as never) as unknown as RtcPeerConnection;
