/**
 * The reply box: Enter sends, Shift+Enter starts a new line; typing `/` shows the canned
 * replies, and the one chosen replaces `/key` at the cursor.
 */
import { useRef, useState } from 'preact/hooks';
import { slashWordAt } from './format.js';

interface Canned {
  key: string;
  text: string;
}

export function ReplyBox(props: {
  canned: Canned[];
  disabled: boolean;
  onSend: (text: string) => Promise<boolean>;
  onTyping: () => void;
}) {
  const [text, setText] = useState('');
  const [choices, setChoices] = useState<Canned[]>([]);
  const [active, setActive] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);

  const update = (value: string, cursor: number) => {
    setText(value);
    const slash = slashWordAt(value, cursor);
    const found = slash
      ? props.canned.filter((c) => c.key.toLowerCase().startsWith(slash.word.toLowerCase()))
      : [];
    setChoices(found);
    setActive(0);
  };

  const insert = (choice: Canned) => {
    const el = area.current;
    if (!el) return;
    const cursor = el.selectionStart;
    const slash = slashWordAt(text, cursor);
    if (!slash) return;
    const next = text.slice(0, slash.start) + choice.text + text.slice(cursor);
    setText(next);
    setChoices([]);
    const at = slash.start + choice.text.length;
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(at, at);
    });
  };

  const send = async () => {
    const value = text.trim();
    if (value === '' || props.disabled) return;
    if (await props.onSend(text)) {
      setText('');
      setChoices([]);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (choices.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setActive((active + step + choices.length) % choices.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        insert(choices[active]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setChoices([]);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <>
      {choices.length > 0 && (
        <div class="canned" id="canned-list" role="listbox" aria-label="Canned replies">
          {choices.map((choice, i) => (
            <div
              key={choice.key}
              tabIndex={-1}
              id={`canned-${i}`}
              role="option"
              aria-selected={i === active ? 'true' : 'false'}
              onMouseDown={(e) => {
                e.preventDefault();
                insert(choice);
              }}
            >
              <strong>/{choice.key}</strong> {choice.text}
            </div>
          ))}
        </div>
      )}
      <form
        class="reply"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label class="visually-hidden" for="reply">
          Reply
        </label>
        <textarea
          id="reply"
          ref={area}
          value={text}
          disabled={props.disabled}
          placeholder="Reply (Enter sends, Shift+Enter new line, / canned replies)"
          aria-describedby="keys-help"
          onInput={(e) => {
            const el = e.currentTarget;
            update(el.value, el.selectionStart);
            props.onTyping();
          }}
          onKeyDown={onKeyDown}
        />
        <button class="primary" type="submit" disabled={props.disabled}>
          Send
        </button>
      </form>
    </>
  );
}
