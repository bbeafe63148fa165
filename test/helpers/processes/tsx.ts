import { fileURLToPath, pathToFileURL } from 'node:url';

/** `--import` value that loads tsx from this repository, whatever the child's working directory. */
export const TSX_IMPORT = pathToFileURL(
  fileURLToPath(new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url)),
).href;
