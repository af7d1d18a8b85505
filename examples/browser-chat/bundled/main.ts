// The same chat with the room client bundled in, as in an application with a build step:
//   npm install roomwire esbuild
//   npx esbuild main.ts --bundle --format=esm --outfile=main.js
import { RoomClient } from 'roomwire';
import { startChat } from '../chat.js';

void startChat(RoomClient);
