import type { Visitor } from './_layout.js';
import { htmlReply, type Reply } from './_reply.js';
import { messagePage } from './pages/message.js';

/** 404 with the shop's own "not found" page. */
export function notFoundReply(visitor: Visitor): Reply {
  return htmlReply(
    404,
    messagePage(visitor, 'Page not found', 'Sorry, we could not find that page.'),
  );
}

/** 413 for a body over the limit; the connection closes since the rest of it is unread. */
export function tooLargeReply(visitor: Visitor): Reply {
  return htmlReply(
    413,
    messagePage(visitor, 'Request too large', 'That form was too large for us to read.'),
    { Connection: 'close' },
  );
}

/** 405 naming the methods the path does answer. */
export function methodNotAllowedReply(visitor: Visitor, allowed: readonly string[]): Reply {
  return htmlReply(
    405,
    messagePage(visitor, 'Method not allowed', `This page answers ${allowed.join(', ')} only.`),
    { Allow: allowed.join(', ') },
  );
}

/** 400 for a request the shop cannot make sense of. */
export function badRequestReply(visitor: Visitor): Reply {
  return htmlReply(
    400,
    messagePage(visitor, 'Bad request', 'We could not understand that request.'),
  );
}

/** 500 when a handler failed; the visitor still gets a page. */
export function serverErrorReply(visitor: Visitor): Reply {
  return htmlReply(
    500,
    messagePage(visitor, 'Something went wrong', 'Sorry, something went wrong on our side.'),
  );
}
