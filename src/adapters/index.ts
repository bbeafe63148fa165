/** The adapters a Ringback process plugs in, in order. Each one turns itself off when its credentials are absent. */
import type { RegisterAdapter } from './context.js';

export const adapters: RegisterAdapter[] = [];
