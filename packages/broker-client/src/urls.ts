import { invalidInput } from './errors.js';

/** Where runners register: an organization, a repository or an enterprise. */
export type GitHubScope =
  | { readonly kind: 'org'; readonly org: string }
  | { readonly kind: 'repo'; readonly owner: string; readonly repo: string }
  | { readonly kind: 'enterprise'; readonly enterprise: string };

/** A validated GitHub configuration URL and what follows from it. */
export interface GitHubTarget {
  /** The web URL, normalised (`https://github.com/my-org`); sent as-is in the scale-set RemoteAuth hop. */
  readonly url: string;
  readonly host: string;
  /** REST base (U1) without a trailing slash. */
  readonly apiBaseUrl: string;
  readonly scope: GitHubScope;
  /** `/orgs/{org}`, `/repos/{owner}/{repo}` or `/enterprises/{e}`. */
  readonly scopePath: string;
}

const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);
const ownerName = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const repoName = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Validates a GitHub URL (`https://github.com/org`, `https://github.com/owner/repo`,
 * `https://ghes.example/org`, `https://tenant.ghe.com/org`, `…/enterprises/name`) and derives the REST base:
 * `https://api.github.com`, `https://api.{host}` for `*.ghe.com`, else `https://{host}/api/v3` (GHES).
 * Plain `http` is accepted for loopback hosts only (tests). Throws `invalid_input` naming what is wrong.
 */
export function parseGitHubUrl(input: string, options: { readonly apiBaseUrl?: string; readonly field?: string } = {}): GitHubTarget {
  const field = options.field ?? 'githubUrl';
  let url: URL;
  try {
    url = new URL(input);
  } catch (cause) {
    throw invalidInput(field, `${JSON.stringify(input)} is not a URL (expected e.g. https://github.com/my-org)`, cause);
  }
  const loopback = loopbackHosts.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw invalidInput(field, `${input} must use https (got ${url.protocol.replace(':', '')})`);
  }
  if (url.username !== '' || url.password !== '') throw invalidInput(field, `${input} must not carry credentials`);
  if (url.search !== '' || url.hash !== '') throw invalidInput(field, `${input} must not have a query or fragment`);
  const host = url.host.toLowerCase();
  if (host.startsWith('api.') || url.pathname.startsWith('/api/')) {
    throw invalidInput(field, `${input} is an API URL; give the web URL of the organization or repository, e.g. https://github.com/my-org`);
  }
  const parts = url.pathname.split('/').filter((p) => p !== '');
  let scope: GitHubScope;
  if (parts[0] === 'enterprises' && parts.length === 2) {
    scope = { kind: 'enterprise', enterprise: checkName(field, input, 'enterprise', parts[1]!, ownerName) };
  } else if (parts.length === 1) {
    scope = { kind: 'org', org: checkName(field, input, 'organization', parts[0]!, ownerName) };
  } else if (parts.length === 2) {
    const repo = parts[1]!.endsWith('.git') ? parts[1]!.slice(0, -4) : parts[1]!;
    scope = { kind: 'repo', owner: checkName(field, input, 'owner', parts[0]!, ownerName), repo: checkName(field, input, 'repository', repo, repoName) };
  } else if (parts.length === 0) {
    throw invalidInput(field, `${input} names no organization or repository (expected https://${host}/my-org or https://${host}/owner/repo)`);
  } else {
    throw invalidInput(field, `${input} has extra path segments after owner/repo: /${parts.slice(2).join('/')}`);
  }
  const scopePath =
    scope.kind === 'org' ? `/orgs/${scope.org}` : scope.kind === 'repo' ? `/repos/${scope.owner}/${scope.repo}` : `/enterprises/${scope.enterprise}`;
  const apiBaseUrl = trimSlash(options.apiBaseUrl ?? deriveApiBase(url));
  if (options.apiBaseUrl !== undefined) parseBaseUrl(options.apiBaseUrl, 'apiBaseUrl');
  return { url: `${url.protocol}//${host}${scopePath.replace(/^\/(orgs|repos)/, '')}`, host, apiBaseUrl, scope, scopePath };
}

function deriveApiBase(url: URL): string {
  const host = url.hostname.toLowerCase();
  if (host === 'github.com' || host === 'www.github.com') return 'https://api.github.com';
  if (host.endsWith('.ghe.com')) return `https://api.${host}`;
  return `${url.protocol}//${url.host}/api/v3`;
}

function checkName(field: string, input: string, what: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw invalidInput(field, `${input}: ${JSON.stringify(value)} is not a valid GitHub ${what} name`);
  return value;
}

/** Validates an absolute http(s) base URL handed in by a server or the caller; names the field when it is not one. */
export function parseBaseUrl(input: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch (cause) {
    throw invalidInput(field, `${JSON.stringify(input)} is not an absolute URL`, cause);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidInput(field, `${input} is not an http(s) URL`);
  return url;
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

/** Joins a base and a relative path with exactly one slash between them (broker-protocol §1.1). */
export function joinUrl(base: string, path: string): string {
  return `${trimSlash(base)}/${path.replace(/^\/+/, '')}`;
}
