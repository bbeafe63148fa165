/** Entry point: read config, compose, start, and stop cleanly on SIGTERM/SIGINT. */
import { loadConfigOrExit, runMain, stopOnSignals } from './process.js';
import { createRingback } from './ringback.js';

runMain('ringback', async () => {
  const ringback = await createRingback(loadConfigOrExit());
  await ringback.start();
  stopOnSignals(ringback);
});
