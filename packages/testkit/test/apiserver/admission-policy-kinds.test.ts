// ValidatingAdmissionPolicy and its binding are served kinds: kubectl server-side applies them, lists them and
// deletes them (the install ships two). The server stores them; it does not evaluate them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/index.js';
import { startApiServer } from '../../src/index.js';
import { kubectl } from './kubectl.js';

let server: ApiServer;
let dir: string;
let kc: string;

beforeAll(async () => {
  server = await startApiServer({ kubelet: false, controllers: false });
  dir = mkdtempSync(join(tmpdir(), 'ag-vap-'));
  kc = join(dir, 'kubeconfig');
  server.writeKubeconfig(kc);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: only-marked
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE]
        resources: [secrets]
  validations:
    - expression: "namespaceObject != null"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: only-marked
spec:
  policyName: only-marked
  validationActions: [Deny]
`;

describe('ValidatingAdmissionPolicy kinds', () => {
  it('are applied, listed, read back and deleted through kubectl', async () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, policy);
    const applied = await kubectl(kc, ['apply', '--server-side', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('validatingadmissionpolicy.admissionregistration.k8s.io/only-marked serverside-applied');
    expect(applied.stdout).toContain('validatingadmissionpolicybinding.admissionregistration.k8s.io/only-marked serverside-applied');
    const got = JSON.parse((await kubectl(kc, ['get', 'validatingadmissionpolicybinding', 'only-marked', '-o', 'json'])).stdout) as { spec: { validationActions: string[] } };
    expect(got.spec.validationActions).toEqual(['Deny']);
    expect((await kubectl(kc, ['get', 'validatingadmissionpolicies', '-o', 'name'])).stdout).toBe('validatingadmissionpolicy.admissionregistration.k8s.io/only-marked\n');
    expect((await kubectl(kc, ['delete', '-f', file])).code).toBe(0);
    expect(server.store.list('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy')).toEqual([]);
  });
});
