/**
 * Entry point: read config, compose, start, and stop cleanly on SIGTERM/SIGINT. With RINGBACK_THREADS=2 the
 * process answers HTTP on this thread and runs its jobs on a second one, which loads this file again
 * (src/threads/split.ts).
 */
import { runMain } from './process.js';
import { runSplitProcess } from './threads/split.js';

runMain('ringback', () => runSplitProcess(import.meta.url));
