// Unit tests: no workers, no servers. Temporal connection settings from the environment and the config file.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configFromEnv } from '../../src/config';
import {
  clientConnectionOptions,
  describeConnection,
  temporalConnectionFromEnv,
  temporalTargetFromEnv,
  workerConnectionOptions,
} from '../../src/connection';

// No HOME and no XDG_CONFIG_HOME: the tests never read the config file of whoever runs them.
const dir = mkdtempSync(path.join(tmpdir(), 'connection-test-'));
const pem = (label: string, body: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(body).toString('base64')}\n-----END ${label}-----\n`;
const file = (name: string, content: string): string => {
  const full = path.join(dir, name);
  writeFileSync(full, content);
  return full;
};
const certFile = file('client.pem', pem('CERTIFICATE', 'client certificate'));
const keyFile = file('client.key', pem('PRIVATE KEY', 'client key'));
const caFile = file('ca.pem', pem('CERTIFICATE', 'server ca'));
const derFile = file('client.der', 'not pem at all');
const configFile = file(
  'temporal.toml',
  `[profile.default]
address = "file-default:7233"

[profile.prod]
address = "prod.example.com:7233"
namespace = "prod-ns"
api_key = "key-from-file"

[profile.broken]
address = "broken.example.com:7233"
[profile.broken.tls]
client_cert_path = "${path.join(dir, 'missing.pem')}"
client_key_path = "${keyFile}"
`,
);

describe('Temporal connection settings', () => {
  it('defaults to a plain connection to localhost:7233, namespace default', () => {
    const settings = temporalConnectionFromEnv({}, {});
    assert.deepEqual(settings, { address: 'localhost:7233', namespace: 'default', tls: false });
    assert.deepEqual(temporalTargetFromEnv({}), { address: 'localhost:7233', namespace: 'default' });
  });

  it('reads TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, and treats empty values as unset', () => {
    assert.deepEqual(
      temporalConnectionFromEnv({}, { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'agents' }),
      { address: 'temporal:7233', namespace: 'agents', tls: false },
    );
    assert.deepEqual(
      temporalConnectionFromEnv(
        {},
        { TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '', TEMPORAL_API_KEY: '', TEMPORAL_TLS: '' },
      ),
      { address: 'localhost:7233', namespace: 'default', tls: false },
    );
  });

  it('turns TLS on for an API key, as Temporal Cloud needs, unless TEMPORAL_TLS=false', () => {
    const cloud = temporalConnectionFromEnv(
      {},
      {
        TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
        TEMPORAL_NAMESPACE: 'ns.acct',
        TEMPORAL_API_KEY: 'secret-key',
      },
    );
    assert.deepEqual(cloud.tls, {});
    assert.equal(cloud.apiKey, 'secret-key');
    const client = clientConnectionOptions(cloud);
    assert.equal(client.address, 'us-east-1.aws.api.temporal.io:7233');
    assert.equal(client.apiKey, 'secret-key');
    assert.deepEqual(client.tls, {});
    assert.deepEqual(workerConnectionOptions(cloud), {
      address: 'us-east-1.aws.api.temporal.io:7233',
      tls: {},
      apiKey: 'secret-key',
    });

    const proxy = temporalConnectionFromEnv({}, { TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS: 'false' });
    assert.equal(proxy.tls, false);
    assert.equal(proxy.apiKey, 'secret-key');
    assert.deepEqual(temporalConnectionFromEnv({}, { TEMPORAL_TLS: 'TRUE' }).tls, {});
  });

  it('reads an mTLS pair, a server CA and a server name from files', () => {
    const settings = temporalConnectionFromEnv(
      {},
      {
        TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: certFile,
        TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: caFile,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      },
    );
    assert.ok(settings.tls);
    assert.equal(settings.tls.serverNameOverride, 'temporal.internal');
    assert.match(Buffer.from(settings.tls.clientCertPair?.crt ?? []).toString(), /BEGIN CERTIFICATE/);
    assert.match(Buffer.from(settings.tls.clientCertPair?.key ?? []).toString(), /BEGIN PRIVATE KEY/);
    assert.match(Buffer.from(settings.tls.serverRootCACertificate ?? []).toString(), /BEGIN CERTIFICATE/);
    assert.equal(
      describeConnection(settings),
      'ns.acct.tmprl.cloud:7233 (namespace default, TLS with a client certificate)',
    );
  });

  it('takes certificates given inline with the _DATA variables', () => {
    const settings = temporalConnectionFromEnv(
      {},
      {
        TEMPORAL_TLS_CLIENT_CERT_DATA: pem('CERTIFICATE', 'inline cert'),
        TEMPORAL_TLS_CLIENT_KEY_DATA: pem('PRIVATE KEY', 'inline key'),
      },
    );
    assert.ok(settings.tls && settings.tls.clientCertPair);
  });

  it('names the variable of a certificate file that does not exist', () => {
    assert.throws(
      () =>
        temporalConnectionFromEnv(
          {},
          {
            TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'nope.pem'),
            TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
          },
        ),
      /TEMPORAL_TLS_CLIENT_CERT_PATH is ".*nope\.pem", which cannot be read \(no such file\)/,
    );
    assert.throws(
      () =>
        temporalConnectionFromEnv({}, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca-nope.pem') }),
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH is ".*ca-nope\.pem"/,
    );
  });

  it('refuses half an mTLS pair and names the variable that is missing', () => {
    assert.throws(
      () => temporalConnectionFromEnv({}, { TEMPORAL_TLS_CLIENT_CERT_PATH: certFile }),
      /only TEMPORAL_TLS_CLIENT_CERT_PATH is set\. Set TEMPORAL_TLS_CLIENT_KEY_PATH \(or TEMPORAL_TLS_CLIENT_KEY_DATA\)/,
    );
    assert.throws(
      () => temporalConnectionFromEnv({}, { TEMPORAL_TLS_CLIENT_KEY_DATA: pem('PRIVATE KEY', 'k') }),
      /only TEMPORAL_TLS_CLIENT_KEY_DATA is set\. Set TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
  });

  it('refuses contradictory or malformed values, naming the variable', () => {
    assert.throws(
      () =>
        temporalConnectionFromEnv(
          {},
          { TEMPORAL_TLS_CLIENT_CERT_PATH: certFile, TEMPORAL_TLS_CLIENT_CERT_DATA: pem('CERTIFICATE', 'x') },
        ),
      /Both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_CERT_DATA are set/,
    );
    assert.throws(
      () => temporalConnectionFromEnv({}, { TEMPORAL_TLS: 'yes' }),
      /TEMPORAL_TLS must be true or false/,
    );
    assert.throws(
      () =>
        temporalConnectionFromEnv(
          {},
          { TEMPORAL_TLS_CLIENT_CERT_PATH: derFile, TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile },
        ),
      /client certificate from TEMPORAL_TLS_CLIENT_CERT_PATH is not PEM/,
    );
    assert.throws(
      () => temporalConnectionFromEnv({}, { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }),
      /TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported/,
    );
  });

  it('reads a profile of the config file, with the variables taking precedence', () => {
    const prod = temporalConnectionFromEnv(
      {},
      { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod' },
    );
    assert.deepEqual(prod, {
      address: 'prod.example.com:7233',
      namespace: 'prod-ns',
      apiKey: 'key-from-file',
      tls: {},
    });
    const overridden = temporalConnectionFromEnv(
      {},
      { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other-ns' },
    );
    assert.equal(overridden.namespace, 'other-ns');
    assert.equal(temporalTargetFromEnv({ TEMPORAL_CONFIG_FILE: configFile }).address, 'file-default:7233');
    assert.equal(
      configFromEnv({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod' }).namespace,
      'prod-ns',
    );
  });

  it('says which profile or config-file key is wrong', () => {
    assert.throws(
      () => temporalConnectionFromEnv({}, { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'staging' }),
      /TEMPORAL_PROFILE.*Profile 'staging' not found/,
    );
    assert.throws(
      () => temporalConnectionFromEnv({}, { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'broken' }),
      /client_cert_path in \[profile\.broken\.tls\] of the Temporal config file .* cannot be read \(no such file\)/,
    );
  });

  it('sends the environment credentials only to the environment address', () => {
    const env = { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key' };
    const elsewhere = temporalConnectionFromEnv({ address: '127.0.0.1:7233', namespace: 'test' }, env);
    assert.deepEqual(elsewhere, { address: '127.0.0.1:7233', namespace: 'test', tls: false });
    const same = temporalConnectionFromEnv({ address: 'ns.acct.tmprl.cloud:7233' }, env);
    assert.equal(same.apiKey, 'secret-key');
  });

  it('passes TEMPORAL_GRPC_META_* as headers and keeps secrets out of the description', () => {
    const settings = temporalConnectionFromEnv(
      {},
      { TEMPORAL_API_KEY: 'secret-key', TEMPORAL_GRPC_META_X_TENANT: 'blue' },
    );
    assert.deepEqual(settings.metadata, { 'x-tenant': 'blue' });
    assert.deepEqual(clientConnectionOptions(settings).metadata, { 'x-tenant': 'blue' });
    const line = describeConnection(settings);
    assert.equal(line, 'localhost:7233 (namespace default, TLS, API key)');
    assert.doesNotMatch(line, /secret/);
  });
});
