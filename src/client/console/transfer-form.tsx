/**
 * Hands a conversation to a colleague with a note that travels with it. Only agents who are
 * available and have a free slot are offered: never one who is away or full.
 */
import { useState } from 'preact/hooks';
import type { ConsoleInfo } from './create-console-store.js';

export function TransferForm(props: {
  info: ConsoleInfo | null;
  onTransfer: (to: string, note: string) => Promise<boolean>;
  onCancel: () => void;
}) {
  const me = props.info?.agent?.id;
  const eligible = (props.info?.agents ?? []).filter(
    (a) => a.id !== me && a.status === 'available' && a.conversations < a.capacity,
  );
  const [to, setTo] = useState(eligible[0]?.id ?? '');
  const [note, setNote] = useState('');
  if (eligible.length === 0) {
    return (
      <fieldset class="transfer">
        <legend>Transfer</legend>
        <p>No colleague is available with a free slot right now.</p>
        <button type="button" onClick={props.onCancel}>
          Close
        </button>
      </fieldset>
    );
  }
  return (
    <form
      class="transfer"
      aria-label="Transfer"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await props.onTransfer(to || eligible[0]!.id, note)) props.onCancel();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onCancel();
      }}
    >
      <label for="transfer-to">Transfer to</label>{' '}
      <select id="transfer-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
        {eligible.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name} ({a.capacity - a.conversations} free)
          </option>
        ))}
      </select>
      <label for="transfer-note">Note for them</label>
      <textarea
        id="transfer-note"
        maxLength={500}
        value={note}
        onInput={(e) => setNote(e.currentTarget.value)}
      />
      <button class="primary" type="submit">
        Transfer
      </button>{' '}
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </form>
  );
}
