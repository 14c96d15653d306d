export {
  createForwarder,
  type Forwarder,
  type SendOptions,
  type UpstreamResponse,
  upstreamPath,
} from './forwarder.js';
export { pipeToClient } from './pipe-to-client.js';
export { rejectConnect } from './reject-connect.js';
export { requestOrigin, type VisitorOrigin } from './request-origin.js';
export { classifyUpstreamError, errorPage, sendProxyError } from './send-proxy-error.js';
