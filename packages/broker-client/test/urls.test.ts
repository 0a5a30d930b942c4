import { describe, expect, it } from 'vitest';
import { BrokerClientError, joinUrl, parseGitHubUrl } from '../src/index.js';

describe('parseGitHubUrl', () => {
  it('derives the REST base for github.com, GHES and *.ghe.com', () => {
    expect(parseGitHubUrl('https://github.com/acme').apiBaseUrl).toBe('https://api.github.com');
    expect(parseGitHubUrl('https://ghes.corp.example/acme').apiBaseUrl).toBe('https://ghes.corp.example/api/v3');
    expect(parseGitHubUrl('https://octo.ghe.com/acme').apiBaseUrl).toBe('https://api.octo.ghe.com');
    expect(parseGitHubUrl('http://127.0.0.1:8080/acme').apiBaseUrl).toBe('http://127.0.0.1:8080/api/v3');
    expect(parseGitHubUrl('https://github.com/acme', { apiBaseUrl: 'http://127.0.0.1:9/x/' }).apiBaseUrl).toBe('http://127.0.0.1:9/x');
  });

  it('reads the scope from the path', () => {
    expect(parseGitHubUrl('https://github.com/acme/')).toMatchObject({ scope: { kind: 'org', org: 'acme' }, scopePath: '/orgs/acme', url: 'https://github.com/acme' });
    expect(parseGitHubUrl('https://github.com/acme/widgets.git')).toMatchObject({ scope: { kind: 'repo', owner: 'acme', repo: 'widgets' }, scopePath: '/repos/acme/widgets' });
    expect(parseGitHubUrl('https://github.com/enterprises/big')).toMatchObject({ scope: { kind: 'enterprise' }, scopePath: '/enterprises/big' });
  });

  it.each([
    ['not a url', /githubUrl: "not a url" is not a URL/],
    ['ftp://github.com/acme', /must use https \(got ftp\)/],
    ['http://github.com/acme', /must use https \(got http\)/],
    ['https://api.github.com/orgs/acme', /is an API URL/],
    ['https://ghes.example/api/v3/orgs/acme', /is an API URL/],
    ['https://github.com/', /names no organization or repository/],
    ['https://github.com/acme/widgets/tree/main', /extra path segments after owner\/repo: \/tree\/main/],
    ['https://github.com/ac%20me', /not a valid GitHub organization name/],
    ['https://user:pw@github.com/acme', /must not carry credentials/],
    ['https://github.com/acme?x=1', /must not have a query/],
  ])('rejects %s with an error naming the problem', (input, message) => {
    const attempt = (): unknown => parseGitHubUrl(input);
    expect(attempt).toThrow(BrokerClientError);
    expect(attempt).toThrow(message);
  });

  it('joins with exactly one slash', () => {
    expect(joinUrl('https://b.example/', '/session')).toBe('https://b.example/session');
    expect(joinUrl('https://b.example/157', 'acquirejob')).toBe('https://b.example/157/acquirejob');
  });
});
