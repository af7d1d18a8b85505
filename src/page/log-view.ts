/** The chat log: messages, whispers, system lines and file transfers, each a testable entry. */
import { el, formatBytes } from './dom.ts';

export type EntryKind = 'chat' | 'whisper' | 'system' | 'history' | 'file';

export class LogView {
  constructor(private readonly root: HTMLElement) {}

  add(kind: EntryKind, text: string, meta: { from?: string; path?: string } = {}): HTMLElement {
    const entry = el('li', { testid: 'log-entry', 'data-kind': kind, 'data-from': meta.from, 'data-path': meta.path, class: `entry ${kind}` }, [
      meta.from === undefined ? null : el('span', { class: 'from', text: meta.from }),
      el('span', { class: 'text', text }),
      meta.path === undefined ? null : el('span', { class: `badge small path-${meta.path}`, text: meta.path }),
    ]);
    return this.append(entry);
  }

  /** A file transfer line with a progress bar; returns setters for progress and completion. */
  file(direction: 'in' | 'out', id: string, name: string, size: number, who: string) {
    const bar = el('progress', { testid: 'file-progress', 'data-file-id': id, 'data-direction': direction, max: 1, value: 0 });
    const status = el('span', { class: 'status', text: '' });
    const entry = el('li', { testid: 'log-entry', 'data-kind': 'file', 'data-file-id': id, class: 'entry file' }, [
      el('span', { class: 'from', text: who }),
      el('span', { class: 'text', text: `${direction === 'out' ? 'sending' : 'receiving'} ${name} (${formatBytes(size)})` }),
      bar,
      status,
    ]);
    this.append(entry);
    return {
      progress: (fraction: number) => { bar.value = fraction; },
      done: (result: { url?: string; sha256?: string; intact?: boolean }) => {
        bar.value = 1;
        if (result.sha256 !== undefined) entry.dataset.sha256 = result.sha256;
        if (result.intact !== undefined) entry.dataset.intact = String(result.intact);
        status.replaceChildren(result.url === undefined
          ? document.createTextNode('sent')
          : el('a', { testid: 'file-download', href: result.url, download: name, text: result.intact ? 'save' : 'save (corrupted!)' }));
      },
      /** The transfer was refused or dropped. */
      fail: (reason: string) => {
        entry.dataset.failed = reason;
        status.textContent = `not received: ${reason}`;
      },
      /** Its blob URL was revoked: the file is no longer kept. */
      expire: () => {
        entry.dataset.expired = 'true';
        status.textContent = 'no longer kept';
      },
    };
  }

  private append(entry: HTMLElement): HTMLElement {
    const atBottom = this.root.scrollTop + this.root.clientHeight >= this.root.scrollHeight - 8;
    this.root.append(entry);
    if (atBottom) this.root.scrollTop = this.root.scrollHeight;
    return entry;
  }
}
