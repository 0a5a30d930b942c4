import type { KeyObject } from 'node:crypto';
import { errorFromResponse } from './classify.js';
import { systemClock, type Clock } from './clock.js';
import { BrokerClientError, invalidInput } from './errors.js';
import { httpSend, readJsonObject, type HttpOptions } from './http.js';
import { createAppJwt } from './jwt.js';
import { loadPrivateKey } from './pem.js';
import { joinUrl, type GitHubTarget } from './urls.js';

/** A GitHub App's credentials. */
export interface AppCredentials {
  /** The App id (numeric) or its client id (`Iv1.…`); becomes the JWT `iss`. */
  readonly appId: string | number;
  /** PKCS#1 / PKCS#8 PEM, or an already loaded key. */
  readonly privateKey: string | Buffer | KeyObject;
}

/** An installation access token and when it stops working (epoch ms). */
export interface InstallationToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Signs App JWTs and exchanges them for installation tokens against one REST base (U1). */
export class GitHubAppAuth {
  readonly #issuer: string;
  readonly #key: KeyObject;
  readonly #clock: Clock;

  constructor(
    credentials: AppCredentials,
    private readonly apiBaseUrl: string,
    private readonly options: { readonly clock?: Clock; readonly http?: HttpOptions } = {},
  ) {
    const issuer = String(credentials.appId).trim();
    if (issuer === '' || !/^[A-Za-z0-9._-]+$/.test(issuer)) throw invalidInput('appId', `${JSON.stringify(credentials.appId)} is not an App id or client id`);
    this.#issuer = issuer;
    this.#key = typeof credentials.privateKey === 'string' || Buffer.isBuffer(credentials.privateKey) ? loadPrivateKey(credentials.privateKey) : credentials.privateKey;
    this.#clock = options.clock ?? systemClock;
  }

  /** A fresh App JWT (iat = now − 60 s, exp = now + 9 min). */
  appJwt(): string {
    return createAppJwt(this.#issuer, this.#key, this.#clock.now());
  }

  #headers(): Record<string, string> {
    return { authorization: `Bearer ${this.appJwt()}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
  }

  /** The installation id of the App on an organization or repository (`GET /orgs/{org}/installation`). */
  async findInstallationId(target: GitHubTarget, signal?: AbortSignal): Promise<number> {
    const operation = 'findInstallation';
    const res = await httpSend(this.options.http ?? {}, {
      operation,
      method: 'GET',
      url: joinUrl(this.apiBaseUrl, `${target.scopePath}/installation`),
      headers: this.#headers(),
      ...(signal && { signal }),
    });
    if (res.status !== 200) throw errorFromResponse(operation, 'appToken', res, this.#clock.now());
    return readJsonObject(operation, res, (f) => f.number('id'));
  }

  /** `POST /app/installations/{id}/access_tokens`; only a 201 counts (broker-protocol §3). */
  async installationToken(installationId: number, signal?: AbortSignal): Promise<InstallationToken> {
    const operation = 'installationToken';
    if (!Number.isSafeInteger(installationId) || installationId <= 0) throw invalidInput('installationId', `${installationId} is not a positive integer`);
    const res = await httpSend(this.options.http ?? {}, {
      operation,
      method: 'POST',
      url: joinUrl(this.apiBaseUrl, `/app/installations/${installationId}/access_tokens`),
      headers: this.#headers(),
      ...(signal && { signal }),
    });
    if (res.status !== 201) throw errorFromResponse(operation, 'appToken', res, this.#clock.now());
    return readJsonObject(operation, res, (f) => {
      const expiresAt = Date.parse(f.string('expires_at'));
      if (Number.isNaN(expiresAt)) throw new BrokerClientError('malformed_body', `${operation}: expires_at is not a date`, { operation, status: 201 });
      return { token: f.string('token'), expiresAt };
    });
  }
}
