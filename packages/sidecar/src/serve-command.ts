import { ConfigError, loadConfig, loggableConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { onShutdown } from './shutdown.ts';
import { startSidecar } from './sidecar.ts';

/**
 * `br-schedule serve`: reads the configuration, starts the sidecar, and stops it gracefully on
 * SIGTERM or SIGINT (exit 0), or at once on a second signal. A wrong setting stops start-up with a
 * message naming the variable (exit 2).
 */
export async function runServe(): Promise<number | undefined> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  logger.info({ config: loggableConfig(config) }, 'starting br-schedule');
  let sidecar: Awaited<ReturnType<typeof startSidecar>>;
  try {
    sidecar = await startSidecar(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'br-schedule could not start');
    return 1;
  }
  onShutdown(
    ['SIGTERM', 'SIGINT'],
    async (reason) => {
      logger.info({ reason }, 'shutting down');
      await sidecar.stop();
    },
    { timeoutMs: config.shutdownTimeoutMs, logger },
  );
  // Serving: the process lives on its servers and timers until a signal ends it.
  return undefined;
}
