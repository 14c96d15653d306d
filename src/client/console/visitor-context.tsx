/** What helpgate knew when the visitor accepted, and where they are now: all shown as text. */
import type { ConversationInfo } from './apply-event.js';
import {
  formatPromise,
  formatReturns,
  formatSeconds,
  formatWhen,
  profileEntries,
  secondsSince,
} from './format.js';

export function VisitorContext({ info, now }: { info: ConversationInfo; now: number }) {
  const waited = info.state === 'queued' ? secondsSince(info.queuedAt, now) : info.waitedSeconds;
  const profile = profileEntries(info.profile);
  return (
    <dl>
      <dt>Why</dt>
      <dd>
        <ul>
          {info.reasons.map((reason, i) => (
            <li key={i}>{reason}</li>
          ))}
        </ul>
      </dd>
      <dt>Page now</dt>
      <dd class="path">{info.path}</dd>
      <dt>Accepted on</dt>
      <dd>
        <span class="path">{info.acceptedOn}</span> after {formatSeconds(info.timeOnPageSeconds)} on
        it
      </dd>
      {info.pagesBefore.length > 0 && (
        <>
          <dt>Pages before</dt>
          <dd>
            <ul>
              {info.pagesBefore.map((path, i) => (
                <li key={i} class="path">
                  {path}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {info.field && (
        <>
          <dt>Stuck on</dt>
          <dd>
            field <span class="path">{info.field.name}</span> for{' '}
            {formatSeconds(info.field.seconds)}
          </dd>
        </>
      )}
      {info.formErrors.length > 0 && (
        <>
          <dt>Form errors</dt>
          <dd>
            <ul>
              {(
                info.formErrorDetails ?? info.formErrors.map((field) => ({ field, message: '' }))
              ).map(({ field, message }, i) => (
                <li key={i}>
                  <span class="path">{field}</span>
                  {message && `: ${message}`}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      <dt>Returns</dt>
      <dd>{formatReturns(info.returns)}</dd>
      {info.customerId !== null && (
        <>
          <dt>Customer</dt>
          <dd>{info.customerId}</dd>
        </>
      )}
      {info.earlier && info.earlier.length > 0 && (
        <>
          <dt>Earlier chats</dt>
          <dd>
            <ul>
              {info.earlier.map((chat) => (
                <li key={chat.id}>
                  {formatWhen(chat.at)} on <span class="path">{chat.path}</span>
                  {chat.agentName && ` with ${chat.agentName}`} ({chat.messages} messages)
                  {chat.firstMessage && <q>{chat.firstMessage}</q>}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {profile.map(([key, value]) => (
        <>
          <dt key={`k${key}`}>{key}</dt>
          <dd key={`v${key}`}>{value}</dd>
        </>
      ))}
      <dt>Waited</dt>
      <dd>
        {formatSeconds(waited)} ({formatPromise(info.promisedWaitSeconds)})
      </dd>
      {info.state === 'queued' && (
        <>
          <dt>In line</dt>
          <dd>
            number {info.queuePosition ?? '?'}, about {formatSeconds(info.estimatedWaitSeconds)} to
            go
          </dd>
        </>
      )}
    </dl>
  );
}
