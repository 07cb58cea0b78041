// Unit tests: no workers, no servers, no Docker. docker-compose.yml read as data, since this machine has no
// `docker compose` to validate it: the services, their start order and health checks, a scalable worker with
// a shared message store, pinned images, and every variable it takes documented in the README.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/shared';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  container_name?: string;
  ports?: Array<string | { published?: string | number; target?: number }>;
  depends_on?: Record<string, { condition?: string }> | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  entrypoint?: string[] | string;
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = read('docker-compose.yml');
// Merge keys (`<<: *anchor`) are YAML 1.1; Compose supports them, so parse them the same way.
const compose = parse(composeText, { merge: true }) as Compose;
const service = (name: string): Service => {
  const found = compose.services[name];
  assert.ok(found, `service ${name} exists`);
  return found;
};
const env = (svc: Service): Record<string, string> => {
  if (Array.isArray(svc.environment)) {
    return Object.fromEntries(
      svc.environment.map((line) => [line.split('=')[0], line.split('=').slice(1).join('=')]),
    );
  }
  return Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
};
const dependsOn = (svc: Service, name: string): string | undefined => {
  const deps = svc.depends_on;
  if (Array.isArray(deps)) return deps.includes(name) ? 'service_started' : undefined;
  return deps?.[name]?.condition;
};
const section = (markdown: string, heading: string): string => {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has "${heading}"`);
  const next = markdown.indexOf('\n## ', start + heading.length + 2);
  return markdown.slice(start, next < 0 ? undefined : next);
};

describe('docker-compose.yml', () => {
  it('gives the Temporal server the dynamic config that unpaces activity round trips', () => {
    const temporal = service('temporal');
    const file = env(temporal)['DYNAMIC_CONFIG_FILE_PATH'];
    assert.ok(file, 'DYNAMIC_CONFIG_FILE_PATH is set');
    const mount = (temporal.volumes ?? []).find(
      (v): v is string => typeof v === 'string' && v.split(':')[1] === `/etc/temporal/${file}`,
    );
    assert.ok(mount, `a volume mounts ${file}`);
    const config = parse(read(mount.split(':')[0] as string)) as Record<string, Array<{ value: unknown }>>;
    assert.equal(config['history.transferProcessorMaxPollRPS']?.[0]?.value, 1000);
  });

  it('has PostgreSQL, the Temporal server, its Web UI and the workers', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker']) service(name);
  });

  it('builds the worker from the Dockerfile, scalable: no container name, no fixed host port', () => {
    const worker = service('worker');
    const build = typeof worker.build === 'string' ? { context: worker.build } : worker.build;
    assert.equal(build?.context, '.');
    assert.equal(build?.dockerfile ?? 'Dockerfile', 'Dockerfile');
    assert.equal(worker.container_name, undefined, 'a container name allows one replica only');
    assert.equal(worker.ports, undefined, 'a fixed host port allows one replica only');
    assert.equal(worker.profiles, undefined, 'workers start by default');
  });

  it('starts workers once the Temporal server is healthy and the search attributes are registered', () => {
    const worker = service('worker');
    assert.equal(dependsOn(worker, 'temporal'), 'service_healthy');
    assert.equal(dependsOn(worker, 'temporal-setup'), 'service_completed_successfully');
    assert.equal(dependsOn(service('temporal'), 'postgresql'), 'service_healthy');
    assert.equal(dependsOn(service('temporal-setup'), 'temporal'), 'service_healthy');
    assert.equal(dependsOn(service('temporal-ui'), 'temporal'), 'service_healthy');
  });

  it('checks the health of PostgreSQL and of the Temporal server', () => {
    const pg = JSON.stringify(service('postgresql').healthcheck?.test);
    assert.match(pg, /pg_isready/);
    const temporal = JSON.stringify(service('temporal').healthcheck?.test);
    assert.match(temporal, /temporal operator cluster health/);
    assert.match(
      temporal,
      /namespace describe --namespace default/,
      'waits for the namespace auto-setup creates',
    );
  });

  it('runs Temporal on PostgreSQL', () => {
    const temporal = env(service('temporal'));
    assert.equal(temporal.DB, 'postgres12');
    assert.equal(temporal.POSTGRES_SEEDS, 'postgresql');
    assert.equal(temporal.DB_PORT, '5432');
    assert.ok(
      (service('postgresql').volumes ?? []).some((v) => String(v).endsWith(':/var/lib/postgresql/data')),
      'the database lives on a volume',
    );
  });

  it('points workers and the Web UI at the temporal service', () => {
    for (const name of ['worker', 'temporal-ui']) {
      const address = env(service(name)).TEMPORAL_ADDRESS ?? '';
      const [host, port] = address.split(':');
      assert.equal(host, 'temporal', `${name} TEMPORAL_ADDRESS names the temporal service`);
      assert.equal(port, '7233');
    }
    assert.match(env(service('worker')).ANTHROPIC_API_KEY ?? '', /^\$\{ANTHROPIC_API_KEY/);
  });

  it('gives every worker the same message store, on a named volume', () => {
    const worker = service('worker');
    const storeDir = env(worker).DURABLE_AGENT_STORE_DIR;
    assert.ok(storeDir, 'DURABLE_AGENT_STORE_DIR is set');
    const mounts = (worker.volumes ?? []).map((v) =>
      typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v,
    );
    const mount = mounts.find(
      (m) => m.target && (storeDir === m.target || storeDir.startsWith(`${m.target}/`)),
    );
    assert.ok(mount, `${storeDir} is on a mounted volume`);
    assert.ok(
      mount.source && compose.volumes && mount.source in compose.volumes,
      'the volume is a named one, shared by all replicas (not a per-container anonymous volume)',
    );
  });

  it('pins every image to a version', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (!svc.image) {
        assert.ok(svc.build, `${name} has an image or a build`);
        continue;
      }
      const tag = /:([^/:@]+)$/.exec(svc.image)?.[1];
      assert.ok(tag, `${name}: ${svc.image} has a tag`);
      assert.notEqual(tag, 'latest', `${name}: ${svc.image} is pinned`);
      assert.match(tag, /^\d+(\.\d+)+/, `${name}: ${svc.image} names a version, not a moving major`);
    }
  });

  it('binds the published ports of the server, UI and codec server to localhost only', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const port of svc.ports ?? []) {
        assert.match(String(port), /^127\.0\.0\.1:/, `${name} publishes ${String(port)} on localhost only`);
      }
    }
  });

  it('keeps the codec server behind a profile, with a health check of its own', () => {
    const codec = service('codec-server');
    assert.deepEqual(codec.profiles, ['codec']);
    assert.match(JSON.stringify(codec.healthcheck?.test), /8081/);
    assert.equal(env(codec).DURABLE_AGENT_CODEC_HOST, '0.0.0.0');
  });

  it('documents every variable it takes in the README, in "Deploying"', () => {
    const deploying = section(read('README.md'), '## Deploying');
    const used = [...composeText.matchAll(/\$\{([A-Z0-9_]+)[^}]*\}/g)].map((m) => m[1] as string);
    assert.ok(used.includes('ANTHROPIC_API_KEY'));
    for (const name of new Set(used)) assert.ok(deploying.includes(`\`${name}\``), `${name} is documented`);
    // A `$` that is not `${NAME...}` would be interpolated by Compose in surprising ways.
    assert.deepEqual(composeText.match(/\$(?!\{[A-Z0-9_]+)/g), null);
  });
});

describe('deploy/register-search-attributes.sh', () => {
  const script = read('deploy/register-search-attributes.sh');

  it('registers exactly the search attributes the runs publish, with their types', () => {
    const list = /attributes="([^"]+)"/.exec(script)?.[1] ?? '';
    const registered = list.split(/\s+/).filter(Boolean).sort();
    const expected = SEARCH_ATTRIBUTES.map((a) => `${a.name}:${a.cliType}`).sort();
    assert.deepEqual(registered, expected);
  });

  it('is what the temporal-setup service runs, from the mounted deploy folder', () => {
    const setup = service('temporal-setup');
    assert.ok((setup.volumes ?? []).some((v) => String(v).startsWith('./deploy:/deploy')));
    assert.match(JSON.stringify(setup.entrypoint), /\/deploy\/register-search-attributes\.sh/);
    assert.equal(env(setup).TEMPORAL_ADDRESS, 'temporal:7233');
  });
});
