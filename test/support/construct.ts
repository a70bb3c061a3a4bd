import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { Manifest } from '../helpers';

/** The objects one construct renders on its own, in a fresh chart: `make(chart)` adds it. */
export function renderConstruct(make: (scope: Construct) => unknown): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
  make(chart);
  return Testing.synth(chart) as Manifest[];
}

/** `kind/name` of each object, in order: what a part is made of, at a glance. */
export const kinds = (objects: readonly Manifest[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.name}`);
