/** My status: the same state `api/agents/{id}` reads and changes. */
import type { AgentStatus, ConsoleStore } from './create-console-store.js';

const STATUSES: Array<{ value: AgentStatus; label: string }> = [
  { value: 'available', label: 'Available' },
  { value: 'busy', label: 'Busy' },
  { value: 'away', label: 'Away' },
];

export function StatusPicker({ store }: { store: ConsoleStore }) {
  const me = store.info.value?.agent;
  if (!me) return null;
  const active = store.state.value.conversations.filter((c) => c.ended === null).length;
  return (
    <fieldset class="status-choice">
      <legend class="visually-hidden">My status</legend>
      {STATUSES.map(({ value, label }) => (
        <label key={value}>
          <input
            type="radio"
            name="status"
            value={value}
            checked={me.status === value}
            onChange={() => void store.setStatus(value)}
          />{' '}
          <span class={`dot ${value}`} aria-hidden="true" />
          <span>{label}</span>
        </label>
      ))}
      <span>
        {Math.max(0, me.capacity - active)} of {me.capacity} slots free
      </span>
    </fieldset>
  );
}
