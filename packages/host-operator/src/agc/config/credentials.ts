/**
 * The tenant's GitHub App credentials, read from the files the GMC mounts from the App Secret
 * (`appId`, `installationId`, `privateKey`). Values are trimmed; errors name the file but never echo
 * its content (the private key must not reach a log line).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the AGC authenticates with. */
export interface AppCredentialFiles {
  /** Numeric App id, or a client id (`Iv1.…`). */
  readonly appId: string;
  readonly installationId: number;
  readonly privateKey: string;
}

async function readTrimmed(dir: string, name: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`--github-app-dir: cannot read ${join(dir, name)} (${code ?? (err as Error).message})`, { cause: err });
  }
  const value = text.trim();
  if (value === '') throw new Error(`--github-app-dir: ${join(dir, name)} is empty`);
  return value;
}

/** Reads and checks the three App files under `dir`. */
export async function readAppCredentials(dir: string): Promise<AppCredentialFiles> {
  const [appId, installation, privateKey] = await Promise.all([readTrimmed(dir, 'appId'), readTrimmed(dir, 'installationId'), readTrimmed(dir, 'privateKey')]);
  if (!/^[A-Za-z0-9._-]+$/.test(appId)) throw new Error(`--github-app-dir: ${join(dir, 'appId')} is not an App id or client id`);
  if (!/^\d+$/.test(installation) || !Number.isSafeInteger(Number(installation)) || Number(installation) < 1) {
    throw new Error(`--github-app-dir: ${join(dir, 'installationId')} is not a positive integer`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) throw new Error(`--github-app-dir: ${join(dir, 'privateKey')} is not a PEM private key`);
  return { appId, installationId: Number(installation), privateKey };
}
