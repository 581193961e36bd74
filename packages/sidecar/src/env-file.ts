import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { ConfigIssue } from './config-error.ts';

export interface EnvFile {
  /** Absolute path of the file read. */
  readonly path: string;
  readonly variables: Readonly<Record<string, string>>;
}

/**
 * Reads a `.env` file in the format `process.loadEnvFile` reads (Node's `util.parseEnv`), without
 * touching `process.env`. A missing file is `undefined` unless `required`; any other failure (a
 * directory, no permission) is an issue either way, since the file is there but cannot be used.
 */
export function readEnvFile(
  path: string,
  required: boolean,
  variable: string,
): { file: EnvFile | undefined; issue?: ConfigIssue } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return { file: undefined };
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return { file: undefined, issue: { variable, message: `cannot read the env file ${path}: ${reason}` } };
  }
  return { file: { path, variables: parseEnv(text) as Record<string, string> } };
}
