// A process that shuts down on SIGTERM/SIGINT through onShutdown, for shutdown.test.ts.
// argv: <handler ms, or "hang"> <timeoutMs> <graceMs>
import { createLogger } from '../../src/logger.ts';
import { onShutdown } from '../../src/shutdown.ts';

const [handlerMs = '0', timeoutMs = '1000', graceMs = '5000'] = process.argv.slice(2);
const logger = createLogger('info');
const keepAlive = setInterval(() => {}, 60_000);

onShutdown(
  ['SIGTERM', 'SIGINT'],
  async () => {
    if (handlerMs === 'hang') return new Promise<void>(() => {});
    await new Promise((resolve) => setTimeout(resolve, Number(handlerMs)));
    clearInterval(keepAlive);
    logger.info('handler finished');
  },
  { timeoutMs: Number(timeoutMs), graceMs: Number(graceMs), logger },
);
logger.info('ready');
