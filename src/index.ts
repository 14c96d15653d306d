/**
 * helpgate's programmatic API, the package's `main`: load a config and build helpgate's Node
 * request and upgrade handlers to mount on a server of one's own. The `helpgate` command is
 * the usual way to run it.
 */
export { createHelpgate, type Helpgate, type HelpgateOptions } from './app.js';
export {
  ConfigError,
  type ConfigOverrides,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
} from './config/load-config.js';
export type { Config, ConfigInput } from './config/schema.js';
export { type ErrorCode, HelpgateError } from './errors.js';
