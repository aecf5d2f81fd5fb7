/**
 * deploy/k8s is data: every manifest validates against the Kubernetes OpenAPI schema
 * (kubernetes-models, generated from it; no cluster needed), and the Jobs are wired as the
 * README says: Indexed with completions = parallelism = SHARD_COUNT, every ConfigMap and claim
 * they name defined alongside, and each container's command a wrp command line the CLI
 * accepts (parsed by the real command modules, strict: an unknown flag fails).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import yargs, { type CommandModule } from 'yargs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../datasets/paths.ts';
import { parseExperiment } from '../harness/runner/config.ts';
import { benchLearnersCommand } from '../scripts/commands/bench-learners.ts';
import { mergeCommand } from '../scripts/commands/merge.ts';
import { poolCommand } from '../scripts/commands/pool.ts';
import { runCommand } from '../scripts/commands/run.ts';

const DIR = join(PROJECT_ROOT, 'deploy', 'k8s');

interface Manifest {
  file: string;
  doc: { apiVersion?: string; kind?: string; metadata?: { name?: string } } & Record<string, unknown>;
}

const manifests: Manifest[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return { file, doc: d.toJS() as Manifest['doc'] };
    }),
  );

/** The schema of each kind shipped here; a manifest of any other kind fails the test. */
const MODELS: Record<string, (doc: Manifest['doc']) => { validate(): void }> = {
  'batch/v1 Job': (d) => new Job(d as IJob),
  'v1 ConfigMap': (d) => new ConfigMap(d as ConstructorParameters<typeof ConfigMap>[0]),
  'v1 PersistentVolumeClaim': (d) =>
    new PersistentVolumeClaim(d as ConstructorParameters<typeof PersistentVolumeClaim>[0]),
  'apps/v1 Deployment': (d) => new Deployment(d as IDeployment),
  'v1 Service': (d) => new Service(d as ConstructorParameters<typeof Service>[0]),
};

const validate = (m: Manifest) => {
  const model = MODELS[`${m.doc.apiVersion} ${m.doc.kind}`];
  if (!model) throw new Error(`${m.file}: no schema for ${m.doc.apiVersion} ${m.doc.kind}`);
  model(m.doc).validate();
};

const jobs = manifests.filter((m) => m.doc.kind === 'Job').map((m) => ({ file: m.file, job: m.doc as IJob }));
const named = (kind: string) => new Set(manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc.metadata?.name));
const configData = (name: string) =>
  (manifests.find((m) => m.doc.kind === 'ConfigMap' && m.doc.metadata?.name === name)?.doc.data ?? {}) as Record<
    string,
    string
  >;

/** The wrp arguments of a Job's container command, its shell variables filled in (shard 0). */
function wrpArgs(job: IJob): string[] {
  const c = job.spec!.template.spec!.containers[0]!;
  const env: Record<string, string> = { SHARD_INDEX: '0' };
  for (const ref of c.envFrom ?? []) Object.assign(env, configData(ref.configMapRef!.name!));
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  const script = [...(c.command ?? []), ...(c.args ?? [])].at(-1)!;
  const words = script
    .replace(/\$([A-Z_]+)/g, (_, v: string) => env[v] ?? `<unset ${v}>`)
    .replace(/"/g, '')
    .split(/\s+/)
    .filter(Boolean);
  expect(words.slice(0, 3)).toEqual(['exec', 'node', 'bin/wrp.js']);
  return words.slice(3);
}

const COMMANDS: Record<string, CommandModule<object, never>> = {
  'bench-learners': benchLearnersCommand as CommandModule<object, never>,
  merge: mergeCommand as CommandModule<object, never>,
  run: runCommand as CommandModule<object, never>,
  pool: poolCommand as CommandModule<object, never>,
};

/** Thrown by a middleware once yargs has parsed and validated a command line: its handler never runs. */
class Parsed extends Error {}

/** Parses a command line with the CLI's own command module (strict, subcommands included; no handler runs). */
async function parseWith(args: string[]): Promise<void> {
  const cmd = COMMANDS[args[0]!];
  if (!cmd) throw new Error(`not a wrp command this test knows: ${args[0]}`);
  // yargs may throw synchronously from parseAsync: the async wrapper makes every outcome a promise.
  const run = (async () =>
    yargs(args)
      .command(cmd)
      .middleware(() => {
        throw new Parsed();
      })
      .strict()
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      })
      .parseAsync())();
  await expect(run).rejects.toBeInstanceOf(Parsed);
}

describe('deploy/k8s', () => {
  it("the run shards' experiment is a valid experiment whose pools are the Services defined here", () => {
    const exp = parseExperiment(parseYaml(configData('wrp-experiment')['experiment.yaml']!), 'experiment-config.yaml');
    const services = named('Service');
    for (const p of exp.pools) {
      const host = new URL(p.endpoint!).hostname;
      expect(services, `${p.name}: ${p.endpoint}`).toContain(host);
    }
    const deployments = manifests.filter((m) => m.doc.kind === 'Deployment').map((m) => m.doc as IDeployment);
    for (const d of deployments) {
      const args = d.spec!.template.spec!.containers[0]!.args!;
      expect(args.slice(0, 2)).toEqual(['pool', 'serve']);
    }
  });

  it('the pool Deployments run a wrp pool serve the CLI accepts, on the port their Service targets', async () => {
    for (const m of manifests.filter((x) => x.doc.kind === 'Deployment')) {
      const c = (m.doc as IDeployment).spec!.template.spec!.containers[0]!;
      await parseWith(c.args!);
      expect(c.args![c.args!.indexOf('--port') + 1]).toBe(String(c.ports![0]!.containerPort));
    }
  });

  it('ships the shard Jobs, the merge Job, the volume and the config', () => {
    expect(manifests.map((m) => `${m.file}: ${m.doc.kind}/${m.doc.metadata?.name}`)).toEqual(
      expect.arrayContaining([
        'bench-learners-shards.yaml: Job/wrp-bench-learners',
        'run-shards.yaml: Job/wrp-run-shards',
        'merge.yaml: Job/wrp-merge',
        'results-volume.yaml: PersistentVolumeClaim/wrp-results',
        'run-config.yaml: ConfigMap/wrp-run',
        'experiment-config.yaml: ConfigMap/wrp-experiment',
        'sim-pools.yaml: Deployment/wrp-pool-small',
        'sim-pools.yaml: Service/wrp-pool-small',
      ]),
    );
  });

  it.each(manifests.map((m) => [`${m.file} ${m.doc.kind}/${m.doc.metadata?.name}`, m] as const))(
    '%s validates against the Kubernetes schema',
    (_, m) => expect(() => validate(m)).not.toThrow(),
  );

  it('the validator fails a broken Job (a test that can fail)', () => {
    const doc = structuredClone(manifests.find((m) => m.file === 'bench-learners-shards.yaml')!.doc);
    const spec = doc.spec as Record<string, unknown>;
    spec.completionMode = 'Indexd';
    expect(() => new Job(doc as IJob).validate()).toThrow(/completionMode/);
    spec.completionMode = 'Indexed';
    delete spec.template;
    expect(() => new Job(doc as IJob).validate()).toThrow(/template/);
  });

  it('indexed Jobs run SHARD_COUNT shards, one pod each, and name the shard by the completion index', () => {
    const indexed = jobs.filter((j) => j.job.spec?.completionMode === 'Indexed');
    expect(indexed.length).toBeGreaterThan(0);
    for (const { job } of indexed) {
      const c = job.spec!.template.spec!.containers[0]!;
      const count = c.env?.find((e) => e.name === 'SHARD_COUNT')?.value;
      expect([job.spec!.completions, job.spec!.parallelism]).toEqual([Number(count), Number(count)]);
      expect(c.env?.find((e) => e.name === 'SHARD_INDEX')?.valueFrom?.fieldRef?.fieldPath).toBe(
        "metadata.annotations['batch.kubernetes.io/job-completion-index']",
      );
    }
  });

  it('every ConfigMap and volume claim a Job names is defined here', () => {
    for (const { file, job } of jobs) {
      const spec = job.spec!.template.spec!;
      for (const v of spec.volumes ?? []) {
        if (v.persistentVolumeClaim)
          expect(named('PersistentVolumeClaim'), file).toContain(v.persistentVolumeClaim.claimName);
        if (v.configMap) expect(named('ConfigMap'), file).toContain(v.configMap.name);
      }
      for (const ref of spec.containers.flatMap((c) => c.envFrom ?? []))
        expect(named('ConfigMap'), file).toContain(ref.configMapRef?.name);
    }
  });

  it("each Job's command is a wrp command line the CLI accepts, and the merge reads the folders the shards write", async () => {
    for (const { job } of jobs) await parseWith(wrpArgs(job));
    const outs = jobs
      .filter((j) => j.job.spec?.completionMode === 'Indexed')
      .map((j) => wrpArgs(j.job))
      .map((a) => a[a.indexOf('--out') + 1]!);
    const merge = wrpArgs(jobs.find((j) => j.job.metadata?.name === 'wrp-merge')!.job);
    const pattern = new RegExp(`^${merge[1]!.replace('*', '\\d+')}$`);
    for (const out of outs) expect(out).toMatch(pattern);
    await expect(parseWith(['merge', 'a', '--out', 'b', '--bogus'])).rejects.toThrow(/Unknown argument: bogus/);
  });
});
