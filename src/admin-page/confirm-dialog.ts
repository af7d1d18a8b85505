/**
 * One modal <dialog> for every destructive action. A stronger confirmation (drain) also wants a word typed
 * out, so a stray Enter cannot take a hub out of service.
 */
import { byTestId } from '../page/dom.ts';

export interface Confirmation {
  title: string;
  text: string;
  /** The confirm button's label. */
  action: string;
  /** When set, the confirm button stays disabled until this is typed. */
  typeToConfirm?: string;
}

export function confirmAction(c: Confirmation): Promise<boolean> {
  const dialog = byTestId<HTMLDialogElement>('confirm-dialog');
  const ok = byTestId<HTMLButtonElement>('confirm-ok');
  const typed = byTestId('confirm-typed');
  const input = byTestId<HTMLInputElement>('confirm-input');
  byTestId('confirm-title').textContent = c.title;
  byTestId('confirm-text').textContent = c.text;
  ok.textContent = c.action;
  typed.hidden = c.typeToConfirm === undefined;
  byTestId('confirm-word').textContent = c.typeToConfirm ?? '';
  input.value = '';
  const check = () => (ok.disabled = c.typeToConfirm !== undefined && input.value.trim() !== c.typeToConfirm);
  check();
  input.oninput = check;
  dialog.returnValue = '';
  dialog.showModal();
  (c.typeToConfirm === undefined ? byTestId<HTMLButtonElement>('confirm-cancel') : input).focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' && !ok.disabled), { once: true });
  });
}
